"""`SketchPipeline`: a drawing in, a colour image out, for the backend's Sketch tab and the CLI.

    pipeline = SketchPipeline.from_checkpoint()          # deep_learning/pix2pix/checkpoints/pix2pix.pt
    image = pipeline(Image.open("drawing.png"))           # 64 px RGB
    sketch = pipeline.example_sketch(seed=3)              # a held-out emoji's sketch, for "example"

Any mode and size is accepted: transparency goes on white, colour becomes grey, the drawn part is
cropped, centred with an emoji-like margin and reduced to the model's size, then binarised: the same
dark-strokes-on-white format as the training sketches (`sketch_from_image`).
`python deep_learning/pix2pix/pipeline.py drawing.png --out=image.png`.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from PIL import Image

from deep_learning.common.checkpoint import load_checkpoint, load_float_state
from deep_learning.common.images import from_uint8, to_pil
from deep_learning.common.paths import model_dir
from deep_learning.pix2pix.models import KIND, UNetGenerator
from deep_learning.pix2pix.sketch import drawing_to_sketch, sketch_from_image

SHIPPED_CHECKPOINT = model_dir("pix2pix") / "checkpoints" / "pix2pix.pt"
__all__ = ["SHIPPED_CHECKPOINT", "SketchPipeline", "sketch_from_image"]


class SketchPipeline:
    def __init__(self, generator: UNetGenerator, meta: dict, examples: np.ndarray, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.generator = generator.to(self.device).eval().requires_grad_(False)
        self.meta = meta
        self.examples = examples  # uint8 [K, S, S, 3] held-out colour images
        self.image_size = generator.image_size

    @classmethod
    def from_checkpoint(cls, path: str | Path = SHIPPED_CHECKPOINT, device: str = "cpu") -> "SketchPipeline":
        checkpoint = load_checkpoint(path, kind=KIND)
        generator = UNetGenerator(**checkpoint["model_args"])
        generator.load_state_dict(load_float_state(checkpoint["state"]["generator"]))
        return cls(generator, checkpoint["meta"], checkpoint["state"]["examples"].numpy(), device)

    @property
    def info(self) -> dict:
        return {
            "image_size": self.image_size,
            "training": self.meta.get("training", {}),
            "metrics": self.meta.get("metrics", {"rows": [], "notes": ""}),
        }

    def prepare(self, drawing: Image.Image, fit: bool = True) -> Image.Image:
        """The model's input for a drawing: a binary `image_size` px sketch (mode L)."""
        return drawing_to_sketch(drawing, self.image_size, fit=fit)

    @torch.no_grad()
    def __call__(self, sketch: Image.Image, fit: bool = True) -> Image.Image:
        """Any drawing -> RGB `image_size` px image. `fit=False` keeps the drawing's framing."""
        x = from_uint8(np.array(self.prepare(sketch, fit))[None, ..., None]).to(self.device)
        return to_pil(self.generator(x).float())[0]

    def example_image(self, seed: int) -> Image.Image:
        return Image.fromarray(self.examples[seed % len(self.examples)])

    def example_sketch(self, seed: int) -> Image.Image:
        """The sketch of a held-out emoji (a concept never trained on), as the training sketches are made."""
        return Image.fromarray(sketch_from_image(self.examples[seed % len(self.examples)]))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Sketch -> colour image, saved beside the model's input.")
    parser.add_argument("drawing", nargs="?", help="a drawing; default: a held-out example sketch")
    parser.add_argument("--checkpoint", default=str(SHIPPED_CHECKPOINT))
    parser.add_argument("--seed", type=int, default=0, help="which held-out example, without a drawing")
    parser.add_argument("--out", default="sketch_to_image.png")
    args = parser.parse_args()
    pipeline = SketchPipeline.from_checkpoint(args.checkpoint)
    drawing = Image.open(args.drawing) if args.drawing else pipeline.example_sketch(args.seed)
    size = pipeline.image_size
    row = Image.new("RGB", (2 * size, size), "white")
    row.paste(pipeline.prepare(drawing).convert("RGB"), (0, 0))
    row.paste(pipeline(drawing), (size, 0))
    row.resize((8 * size, 4 * size), Image.Resampling.NEAREST).save(args.out)
    print(f"input as the model sees it | output -> {args.out}")
