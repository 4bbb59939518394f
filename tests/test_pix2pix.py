"""Pix2Pix: shapes, sketches, a few training steps, evaluation, checkpoint -> pipeline, odd drawings.

Tiny models on tiny fake data made here, so the tests need neither the data cache nor a shipped checkpoint.
"""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from deep_learning.common.checkpoint import load_checkpoint
from deep_learning.pix2pix import evaluate, training_loop
from deep_learning.pix2pix.models import KIND, PatchDiscriminator, UNetGenerator
from deep_learning.pix2pix.pipeline import SHIPPED_CHECKPOINT, SketchPipeline, sketch_from_image
from deep_learning.pix2pix.sketch import PAPER, STROKE, drawing_to_sketch
from tests.gan_fixtures import evaluate_tiny, tiny_fixture

tiny = tiny_fixture(training_loop, count=40)


def disc(size: int, colour=(200, 30, 30), centre=None, radius=None) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    cx, cy = centre or (size / 2, size / 2)
    image = np.full((size, size, 3), 255, np.uint8)
    image[(xx - cx) ** 2 + (yy - cy) ** 2 < (radius or size / 3) ** 2] = colour
    return image


@pytest.mark.parametrize("size", [16, 32, 64])
def test_shapes(size):
    torch.manual_seed(0)
    generator = UNetGenerator(image_size=size, channels=4, max_channels=8).eval()
    images = generator(torch.rand(2, 1, size, size) * 2 - 1)
    assert images.shape == (2, 3, size, size) and images.abs().max() <= 1
    patches = PatchDiscriminator(channels=4)(torch.zeros(2, 1, size, size), images)
    assert patches.shape[:2] == (2, 1) and patches.shape[-1] == size // 4 - 2


def test_sketch_from_image_outlines_colour_regions():
    sketch = sketch_from_image(disc(32))
    assert sketch.shape == (32, 32) and sketch.dtype == np.uint8 and set(np.unique(sketch)) == {STROKE, PAPER}
    assert sketch[16, 16] == PAPER and sketch[0, 0] == PAPER  # inside and outside are paper ...
    assert (sketch[16, :] == STROKE).sum() in range(2, 7)  # ... the edge is a 1-2 px stroke on each side
    assert (sketch_from_image(np.full((8, 8, 3), 90, np.uint8)) == PAPER).all()  # flat colour: nothing to draw


def canvas(mode: str = "RGBA", size=(256, 256), box=(40, 40, 200, 200), width: int = 6) -> Image.Image:
    """A canvas-like drawing: a black circle outline on transparent (RGBA) or white."""
    image = Image.new("RGBA", size, (0, 0, 0, 0)) if mode == "RGBA" else Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse(box, outline=(0, 0, 0, 255), width=width)
    return image if mode in ("RGBA", "RGB") else image.convert(mode)


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "L", "LA", "P", "1", "CMYK", "I;16"])
def test_drawing_to_sketch_accepts_any_mode(mode):
    sketch = drawing_to_sketch(canvas(mode), 64)
    array = np.asarray(sketch)
    assert sketch.mode == "L" and sketch.size == (64, 64) and set(np.unique(array)) == {STROKE, PAPER}
    assert array[32, 32] == PAPER and (array[32, :] == STROKE).sum() >= 2


def test_drawing_is_fitted_to_the_frame():
    """A small drawing in a corner of a non-square canvas ends up centred, filling the frame like an emoji."""
    sketch = np.asarray(drawing_to_sketch(canvas("RGB", size=(400, 250), box=(10, 10, 90, 90), width=3), 64))
    rows, cols = np.flatnonzero((sketch == STROKE).any(1)), np.flatnonzero((sketch == STROKE).any(0))
    assert rows[0] <= 4 and rows[-1] >= 59 and cols[0] <= 4 and cols[-1] >= 59
    assert (np.asarray(drawing_to_sketch(Image.new("RGB", (30, 30), "white"), 16)) == PAPER).all()  # blank stays blank


@pytest.fixture(scope="module")
def shipped(tiny):
    return training_loop.train(tiny(run="shipped")) / "pix2pix.pt"


def test_training_writes_run(shipped):
    run = shipped.parent
    assert len((run / "log.jsonl").read_text().splitlines()) == 2
    assert (run / "samples" / "epoch0002.png").is_file() and (run / "progress.png").is_file()
    shipped = load_checkpoint(run / "pix2pix.pt", kind=KIND)
    assert shipped["meta"]["image_size"] == 16 and shipped["state"]["examples"].shape[1:] == (16, 16, 3)


def test_pipeline_round_trip(shipped):
    pipeline, again = (SketchPipeline.from_checkpoint(shipped) for _ in range(2))
    sketch = pipeline.example_sketch(5)
    assert sketch.mode == "L" and sketch.size == (16, 16)
    np.testing.assert_array_equal(np.asarray(sketch), sketch_from_image(np.asarray(pipeline.example_image(5))))
    first, second = pipeline(sketch), again(sketch)
    assert first.mode == "RGB" and first.size == (16, 16)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    assert set(pipeline.info) == {"image_size", "training", "metrics"}  # title and description: the registry's


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "I;16"])
@pytest.mark.parametrize("size", [(256, 256), (300, 120), (7, 9)])
def test_pipeline_accepts_odd_drawings(shipped, mode, size):
    pipeline = SketchPipeline.from_checkpoint(shipped)
    image = pipeline(canvas(mode, size=size, box=(1, 1, size[0] - 2, size[1] - 2), width=1))
    assert image.mode == "RGB" and image.size == (16, 16)


def test_shipped_checkpoint():
    """What the backend loads: small, evaluated, and it colours a canvas drawing."""
    assert SHIPPED_CHECKPOINT.stat().st_size < 10 * 2**20
    pipeline = SketchPipeline.from_checkpoint()
    assert pipeline.info["metrics"]["rows"] and pipeline.info["metrics"]["notes"]
    assert pipeline(canvas()).size == (64, 64) and pipeline.example_sketch(0).size == (64, 64)


def test_evaluation_writes_a_report_it_can_read_back(shipped, tmp_path):
    """`python deep_learning/pix2pix/evaluate.py` end to end on the tiny model (cheap features for Inception's)."""
    out = tmp_path / "report"
    metrics, markdown = evaluate_tiny(evaluate, shipped, out, "--pairs=6", "--fid_images=4")
    reference, model = metrics["rows"]
    assert metrics["pairs"] == {"train": 6, "test": 6} and metrics["fid_images"] == 4
    assert set(reference["test"]) == {"fid", "kid", "kid_std"} and reference["train"] == {}
    assert set(model["test"]) == {"l1", "psnr", "ssim", "fid", "kid", "kid_std"}
    assert 0 <= model["test"]["l1"] <= 1 and -1 <= model["test"]["ssim"] <= 1 and model["test"]["psnr"] > 0
    assert markdown.startswith("# Pix2Pix: evaluation\n") and "| test L1 | test PSNR | test SSIM | test FID" in markdown
