"""`RandomImagePipeline`: the shipped DCGAN generator turned into PIL images, for the backend and the CLI.

    pipeline = RandomImagePipeline.from_checkpoint()        # deep_learning/dcgan/checkpoints/dcgan.pt
    images = pipeline.sample(4, seed=7)                     # seeds 7, 8, 9, 10: one image each

Image i of `sample(n, seed)` comes from seed + i alone (StyleGAN's per-image seeds), so `sample(1, seed=9)`
repeats the third image above. `python deep_learning/dcgan/pipeline.py --seeds=0-15 --out=grid.png`.
"""

import secrets
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from PIL import Image

from deep_learning.common.checkpoint import load_checkpoint, load_float_state
from deep_learning.common.images import from_uint8, save_grid, to_pil
from deep_learning.common.paths import model_dir
from deep_learning.dcgan.models import KIND, Generator

SHIPPED_CHECKPOINT = model_dir("dcgan") / "checkpoints" / "dcgan.pt"
MAX_IMAGES = 64  # one call's limit: the backend passes user input straight in


class RandomImagePipeline:
    def __init__(self, generator: Generator, meta: dict, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.generator = generator.to(self.device).eval().requires_grad_(False)
        self.meta = meta

    @classmethod
    def from_checkpoint(cls, path: str | Path = SHIPPED_CHECKPOINT, device: str = "cpu") -> "RandomImagePipeline":
        checkpoint = load_checkpoint(path, kind=KIND)
        generator = Generator(**checkpoint["model_args"])
        generator.load_state_dict(load_float_state(checkpoint["state"]["generator"]))
        return cls(generator, checkpoint["meta"], device)

    @property
    def info(self) -> dict:
        """What the model card shows besides backend/registry.py's title and description: size, training, metrics."""
        return {
            "image_size": self.generator.image_size,
            "training": self.meta.get("training", {}),
            "metrics": self.meta.get("metrics", {"rows": [], "notes": ""}),
        }

    def noise(self, n: int, seed: int) -> torch.Tensor:
        """[n, z_dim]: row i drawn from its own generator seeded with seed + i."""
        z_dim = self.generator.z_dim
        return torch.stack([torch.randn(z_dim, generator=torch.Generator().manual_seed(seed + i)) for i in range(n)])

    @torch.no_grad()
    def sample(self, n: int = 1, seed: int | None = None) -> list[Image.Image]:
        """`n` RGB images of `image_size` px; the same seed always gives the same images."""
        if not 1 <= n <= MAX_IMAGES:
            raise ValueError(f"n must be between 1 and {MAX_IMAGES}, got {n}")
        if seed is None:
            seed = secrets.randbelow(2**31)
        return to_pil(self.generator(self.noise(n, int(seed)).to(self.device)).float())


    __call__ = sample  # the pipeline contract (common/pipeline.py): a call returns PIL images


def _parse_seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = (int(part) for part in text.split("-"))
        return list(range(low, high + 1))
    return [int(part) for part in text.split(",")]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Random DCGAN images, one per seed, saved as one grid.")
    parser.add_argument("--checkpoint", default=str(SHIPPED_CHECKPOINT))
    parser.add_argument("--seeds", default="0-15", help="e.g. 0-15 or 3,5,8")
    parser.add_argument("--out", default="dcgan_samples.png")
    args = parser.parse_args()
    pipeline = RandomImagePipeline.from_checkpoint(args.checkpoint)
    images = [np.asarray(pipeline.sample(1, seed)[0]) for seed in _parse_seeds(args.seeds)]
    save_grid(from_uint8(np.stack(images)), Path(args.out), nrow=8, scale=2)
    print(f"{len(images)} images -> {args.out}")
