"""`DigitsPipeline`: the shipped digits generator as one object that turns requests into PIL images.

Used by the backend (POST /mnist, digit mixing, random digits) and by the evaluation alike. Every call
draws its noise from its own `torch.Generator`, so a seed reproduces an image exactly and concurrent
requests share no random state. Images come back at the native 28 px; the caller scales them.
"""

import os
import secrets

import torch
from PIL import Image

from deep_learning.common.checkpoint import load_checkpoint, load_float_state
from deep_learning.common.images import to_pil
from deep_learning.digits_gan.labels import MAX_DIGITS, NUM_DIGITS, mix_label, one_hot, parse_digit_string
from deep_learning.digits_gan.models import GENERATOR_KIND, SHIPPED, Generator

SHEET_BLENDS = ((1, 7), (3, 8), (4, 9), (0, 6))  # the 2-hot rows under the ten digits of a sample sheet
MAX_SEED = 2**63 - 1


def training_config(meta: dict) -> dict:
    """The training options a checkpoint stores, at meta.training.config; older digits checkpoints (the
    shipped one among them) keep them at meta.config."""
    return meta.get("training", {}).get("config") or meta.get("config", {})


def sheet_labels() -> torch.Tensor:
    """Rows of a sample sheet: one-hot 0-9, then a few half-and-half blends."""
    blends = torch.zeros(len(SHEET_BLENDS), NUM_DIGITS)
    for row, pair in enumerate(SHEET_BLENDS):
        blends[row, list(pair)] = 0.5
    return torch.cat([one_hot(range(NUM_DIGITS)), blends])


def noise(n: int, z_dim: int, seed: int) -> torch.Tensor:
    """n noise vectors from a private generator, drawn row by row: torch's CPU normal sampler switches
    algorithm with the tensor's size, and row i should depend on the seed and i only, not on n."""
    generator = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randn(z_dim, generator=generator) for _ in range(n)])


@torch.inference_mode()
def generate(generator: Generator, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float32 images on the CPU; the generator should be in eval mode (BN running statistics)."""
    device = next(generator.parameters()).device
    return generator(z.to(device), labels.to(device)).float().cpu()


def sample_sheet(generator: Generator, styles: int = 8, seed: int = 0) -> torch.Tensor:
    """Images for a grid with one row per `sheet_labels()` row and one noise vector per column."""
    labels = sheet_labels()
    z = noise(styles, generator.z_dim, seed).repeat(len(labels), 1)
    return generate(generator, z, labels.repeat_interleave(styles, 0))


def _check_seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(2**31)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}")
    return seed


class DigitsPipeline:
    """digits("2024"), mix([...10 weights...]) and random() -> PIL images; `info` describes the model."""

    def __init__(self, generator: Generator, meta: dict | None = None):
        self.generator = generator.eval().requires_grad_(False)
        self.meta = meta or {}

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike = SHIPPED, device: str | torch.device = "cpu"):
        checkpoint = load_checkpoint(path, kind=GENERATOR_KIND)
        generator = Generator(**checkpoint["model_args"])
        generator.load_state_dict(load_float_state(checkpoint["state"]["generator"]))
        return cls(generator.to(device), checkpoint["meta"])

    @property
    def image_size(self) -> int:
        return self.generator.image_size

    def _image(self, images: torch.Tensor, seed: int) -> Image.Image:
        """[N, 1, H, W] -> one image of the N side by side, left to right; the seed rides along in .info."""
        image = to_pil(torch.cat(list(images), dim=-1).unsqueeze(0))[0]
        image.info["seed"] = seed
        return image

    def images(self, labels: torch.Tensor, seed: int | None = None) -> torch.Tensor:
        """One image per label row, in one batched forward pass; row i's noise depends on seed and i only."""
        seed = _check_seed(seed)
        return generate(self.generator, noise(len(labels), self.generator.z_dim, seed), labels)

    def digits(self, text: str, seed: int | None = None) -> Image.Image:
        """Up to 10 digits -> one image per digit, concatenated left to right (seed 000)."""
        labels = one_hot(parse_digit_string(text))
        seed = _check_seed(seed)
        return self._image(self.images(labels, seed), seed)

    __call__ = digits  # the pipeline contract (common/pipeline.py): a call returns PIL images

    def mix(self, weights: list[float], seed: int | None = None) -> Image.Image:
        """Ten slider values in [0, 1] (not all zero) -> one blended digit (seed 003); normalised to sum 1."""
        label = mix_label(weights)
        seed = _check_seed(seed)
        return self._image(self.images(label, seed), seed)

    def random(self, seed: int | None = None) -> Image.Image:
        """A random digit in a random style (seed 001): the seed picks both, so it equals digits(d, seed)."""
        seed = _check_seed(seed)
        digit = int(torch.randint(NUM_DIGITS, (1,), generator=torch.Generator().manual_seed(seed)))
        image = self._image(self.images(one_hot([digit]), seed), seed)
        image.info["digit"] = digit
        return image

    @property
    def info(self) -> dict:
        training = self.meta.get("training", {})
        metrics = {"rows": [], "notes": "not evaluated yet: run python -m deep_learning.digits_gan.evaluate",
                   **self.meta.get("metrics", {})}
        return {
            "image_size": self.image_size,
            "max_digits": MAX_DIGITS,
            "training": {**training, "config": training_config(self.meta)},
            "metrics": metrics,
        }
