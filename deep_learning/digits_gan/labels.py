"""Label vectors for the digits GAN: validation of user requests, one-hot digits, and seed 003's k-hot
"pan-classness" meta-distribution for training.

Every label is a 10-d weight vector that sums to 1: one-hot for a digit, 1/k on k digits for a blend.
"""

import math
import re
from collections.abc import Sequence

import torch

NUM_DIGITS = 10
MAX_DIGITS = 10  # longest digit string one request may ask for (seed 000)
TOO_LONG = "Request too long. Max 10 digits."
INVALID = "Request invalid. Should only contain digits (0-9)."
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() would also accept "²" or "٣"


def parse_digit_string(text: str) -> list[int]:
    """"2024" -> [2, 0, 2, 4]; raises ValueError with seed 000's messages."""
    if not isinstance(text, str):
        raise ValueError(INVALID)
    if len(text) > MAX_DIGITS:
        raise ValueError(TOO_LONG)
    if not _DIGITS.fullmatch(text):
        raise ValueError(INVALID)
    return [int(char) for char in text]


def one_hot(digits: Sequence[int] | torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.as_tensor(digits, dtype=torch.long), NUM_DIGITS).float()


def mix_label(weights: Sequence[float]) -> torch.Tensor:
    """Ten slider values in [0, 1], not all zero -> a label [1, 10] that sums to 1."""
    values = weights.tolist() if isinstance(weights, torch.Tensor) else weights
    if not isinstance(values, list | tuple) or len(values) != NUM_DIGITS:
        raise ValueError(f"Expected {NUM_DIGITS} weights, one per digit 0-9.")
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if not numeric or not all(math.isfinite(v) and 0 <= v <= 1 for v in values):
        raise ValueError("Each weight must be a number between 0 and 1.")
    if not any(values):
        raise ValueError("At least one weight must be above 0.")
    label = torch.tensor([float(v) for v in values]).unsqueeze(0)
    return label / label.sum()


def k_distribution(pan: float, num_classes: int = NUM_DIGITS) -> torch.Tensor:
    """P(k) for k = 1..num_classes, seed 003's meta-distribution.

    A geometric distribution over k (mass on k = 1) mixed with its mirror image (mass on k = all) in
    proportions 1 - pan : pan. The geometric's success probability is |2 pan - 1|, so pan = 0 is exactly
    one-hot, pan = 1 exactly all-hot, pan = 0.5 about uniform over k; pan = 0.1 gives k = 1 for 72%.
    """
    if not 0 <= pan <= 1:
        raise ValueError(f"pan must be in [0, 1], got {pan}")
    p = max(abs(2 * pan - 1), 1e-4)
    geometric = torch.tensor([p * (1 - p) ** i for i in range(num_classes)], dtype=torch.float64)
    mixed = (1 - pan) * geometric + pan * geometric.flip(0)
    return (mixed / mixed.sum()).float()


def sample_k_hot(n: int, pan: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """n labels: k drawn from `k_distribution(pan)`, then k distinct digits with weight 1/k each."""
    k = torch.multinomial(k_distribution(pan), n, replacement=True, generator=generator) + 1
    ranks = torch.rand(n, NUM_DIGITS, generator=generator).argsort(1).argsort(1)  # a random order per row
    chosen = (ranks < k[:, None]).float()
    return chosen / k[:, None]
