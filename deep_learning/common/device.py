"""Device choice and seeding, done once and the same way in every script."""

import random

import torch


def choose_device(name: str = "auto") -> torch.device:
    """`auto` takes CUDA when it is there; `cuda` insists on it (a clear error beats a silent CPU run)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"--device={name} was asked for, but torch sees no CUDA device")
    return torch.device(name)


def seed_everything(seed: int) -> torch.Generator:
    """Seeds Python and torch; returns a CPU generator for code that wants its own stream."""
    random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def autocast(device: torch.device, enabled: bool = True):
    """bfloat16 autocast: on CPUs with AVX-512 it roughly doubles convolution throughput."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled)
