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


def bf16_is_fast(device: str = "cpu") -> bool:
    """Whether bfloat16 runs natively here (CUDA, or a CPU with AMX or AVX-512 BF16), not emulated."""
    if torch.device(device).type == "cuda":
        return torch.cuda.is_bf16_supported()
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")  # private, hence the fallback
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)
