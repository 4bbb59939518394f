"""A few pixels of each shipped pipeline's example call (its registry entry's `example`), stored in
tests/stored_pixels.json so that a silent change to a served model, its checkpoint or its inference code fails
tests/test_stored_pixels.py (diffusers' habit).

After a deliberate change (a new shipped checkpoint): `python -m tests.stored_pixels`, and commit the JSON.
Float32 everywhere (GAN_STUDIO_BF16=0): bfloat16 is chosen per CPU, and its pixels would be the CPU's.
"""

import json
import os
from pathlib import Path

import numpy as np

STORED = Path(__file__).with_name("stored_pixels.json")
SPOTS = (1, 2, 3)  # quarters of the height and width: nine pixels an image


def probe(images) -> list[list[list[int]]]:
    """Nine RGB pixels of each image, at a quarter, half and three quarters of its height and width."""
    out = []
    for image in images:
        a = np.asarray(image.convert("RGB"))
        h, w = a.shape[:2]
        out.append([a[h * i // 4, w * j // 4].tolist() for i in SPOTS for j in SPOTS])
    return out


def example_pixels(entry) -> list[list[list[int]]]:
    from deep_learning.common.pipeline import pil_images

    os.environ["GAN_STUDIO_BF16"] = "0"
    pipeline = entry.pipeline.from_checkpoint(entry.checkpoint)
    return probe(pil_images(entry.example(pipeline)))


if __name__ == "__main__":
    from backend.registry import MODELS

    STORED.write_text(json.dumps({name: example_pixels(entry) for name, entry in MODELS.items()}) + "\n")
    print(f"{STORED}: the example pixels of {', '.join(MODELS)}")
