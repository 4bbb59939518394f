"""Each shipped pipeline still draws what it drew: nine pixels of every image of its registry entry's example call
against the values in tests/stored_pixels.json (tests/stored_pixels.py says how they are stored and renewed)."""

import json

import numpy as np
import pytest

from backend.registry import MODELS
from tests.stored_pixels import STORED, example_pixels

TOLERANCE = 2  # of 255: float32 kernels differ by a rounding step between CPUs; a changed model moves far more


@pytest.mark.parametrize("entry", MODELS.values(), ids=lambda entry: entry.name)
def test_the_shipped_pipeline_draws_its_stored_pixels(entry, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_BF16", "0")
    stored = json.loads(STORED.read_text())
    pixels = example_pixels(entry)
    assert entry.name in stored, f"no stored pixels for {entry.name}: run `python -m tests.stored_pixels`"
    expected = stored[entry.name]
    assert np.shape(pixels) == np.shape(expected), "another number or size of images"
    worst = int(np.abs(np.array(pixels) - np.array(expected)).max())
    assert worst <= TOLERANCE, (f"{entry.name} draws other pixels (off by up to {worst}): if the model was changed "
                                f"on purpose, `python -m tests.stored_pixels` and commit tests/stored_pixels.json")
