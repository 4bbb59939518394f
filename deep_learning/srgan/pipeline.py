"""`SuperResolutionPipeline`: any PIL image in, the 4x enlargement (and bicubic, for comparison) out.

    pipeline = SuperResolutionPipeline.from_checkpoint()      # deep_learning/srgan/checkpoints/srgan.pt
    result = pipeline(Image.open("small.png"))                # {"low_res", "bicubic", "enhanced"}

Inputs of any mode (RGBA and palette images are flattened on white, greyscale becomes RGB) and any size:
the generator is fully convolutional, so the whole image runs at once. Inputs larger than
`MAX_INPUT_SIDE` (128 px) on their longer side are first reduced to fit (so at most 512x512 comes out,
about a second on a 2-core CPU); `low_res` is the image actually enlarged.
`python deep_learning/srgan/pipeline.py small.png --out=enhanced.png`.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from PIL import Image

from deep_learning.common.checkpoint import load_checkpoint, load_float_state
from deep_learning.common.data.text_image import flatten_on_white
from deep_learning.common.images import from_uint8, to_pil
from deep_learning.common.paths import model_dir
from deep_learning.srgan.data import downscale
from deep_learning.srgan.models import KIND, Generator

SHIPPED_CHECKPOINT = model_dir("srgan") / "checkpoints" / "srgan.pt"
MAX_INPUT_SIDE = 128  # longer side of the image that is enlarged; larger uploads are reduced first


def to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL mode -> RGB; transparency is composited on white (as the emoji training images were)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return Image.fromarray(flatten_on_white(np.asarray(image.convert("RGBA"))))
    return image.convert("RGB")


class SuperResolutionPipeline:
    def __init__(self, generator: Generator, meta: dict, examples: np.ndarray, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.generator = generator.to(self.device).eval().requires_grad_(False)
        self.meta = meta
        self.examples = examples  # uint8 [K, H, W, 3] held-out high-resolution images
        self.scale = generator.scale

    @classmethod
    def from_checkpoint(cls, path: str | Path = SHIPPED_CHECKPOINT, device: str = "cpu") -> "SuperResolutionPipeline":
        checkpoint = load_checkpoint(path, kind=KIND)
        generator = Generator(**checkpoint["model_args"])
        generator.load_state_dict(load_float_state(checkpoint["state"]["generator"]))
        return cls(generator, checkpoint["meta"], checkpoint["state"]["examples"].numpy(), device)

    @property
    def info(self) -> dict:
        return {
            "image_size": self.meta.get("image_size"),
            "scale": self.scale,
            "max_input_side": MAX_INPUT_SIDE,
            "training": self.meta.get("training", {}),
            "metrics": self.meta.get("metrics", {"rows": [], "notes": ""}),
        }

    def prepare(self, image: Image.Image) -> Image.Image:
        """The low-resolution image that will be enlarged: RGB, at most MAX_INPUT_SIDE px a side."""
        image = to_rgb(image)
        if max(image.size) > MAX_INPUT_SIDE:
            image = image.copy()
            image.thumbnail((MAX_INPUT_SIDE, MAX_INPUT_SIDE), Image.Resampling.LANCZOS)
        return image

    @torch.no_grad()
    def enhance(self, low_res: Image.Image) -> Image.Image:
        """RGB image -> its `scale`x enlargement by the generator, the whole image in one pass."""
        x = from_uint8(np.array(low_res)[None]).to(self.device)
        return to_pil(self.generator(x).float())[0]

    def __call__(self, image: Image.Image) -> dict[str, Image.Image]:
        low_res = self.prepare(image)
        size = (low_res.width * self.scale, low_res.height * self.scale)
        return {"low_res": low_res, "bicubic": low_res.resize(size, Image.Resampling.BICUBIC),
                "enhanced": self.enhance(low_res)}

    def example_high_res(self, seed: int) -> Image.Image:
        return Image.fromarray(self.examples[seed % len(self.examples)])

    def example_low_res(self, seed: int) -> Image.Image:
        """A held-out emoji (never trained on), reduced the way training reduced its images."""
        return Image.fromarray(downscale(self.examples[seed % len(self.examples)], self.scale))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="4x super-resolution of one image, saved beside bicubic.")
    parser.add_argument("image", nargs="?", help="input image; default: a held-out emoji example")
    parser.add_argument("--checkpoint", default=str(SHIPPED_CHECKPOINT))
    parser.add_argument("--seed", type=int, default=0, help="which held-out example, without an image")
    parser.add_argument("--out", default="enhanced.png")
    args = parser.parse_args()
    pipeline = SuperResolutionPipeline.from_checkpoint(args.checkpoint)
    source = Image.open(args.image) if args.image else pipeline.example_low_res(args.seed)
    result = pipeline(source)
    row = Image.new("RGB", (result["enhanced"].width * 2, result["enhanced"].height), "white")
    row.paste(result["bicubic"], (0, 0))
    row.paste(result["enhanced"], (result["enhanced"].width, 0))
    row.save(args.out)
    print(f"{result['low_res'].size} -> {result['enhanced'].size}: bicubic | SRGAN -> {args.out}")
