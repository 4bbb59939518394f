"""Uploads at the documented limits (4 MB, 1024x1024 px), in every accepted format, through the multipart parser:
a 1024 px photo used to get 413 at random, as Werkzeug's decoder held its read buffer to the 64 KiB form-field
limit (backend/request_input.py)."""

import io

import numpy as np
import pytest
from PIL import Image

from backend.config import SHIPPED_MODELS


@pytest.fixture(scope="module")
def app_config(tiny_checkpoint):
    return {"MODELS": {"super-resolution": str(SHIPPED_MODELS["super-resolution"]),
                       "text-to-image": str(tiny_checkpoint)}}


def photo(seed: int, side: int = 1024) -> Image.Image:
    """Smooth colour fields with grain, as a camera gives: a JPEG of several hundred KB."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, (side // 32, side // 32, 3), dtype=np.uint8))
    smooth = np.asarray(coarse.resize((side, side), Image.Resampling.BICUBIC), dtype=np.int16)
    grain = rng.integers(-12, 13, (side, side, 3), dtype=np.int16)
    return Image.fromarray(np.clip(smooth + grain, 0, 255).astype(np.uint8))


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def post(client, data: bytes, name: str = "photo", mimetype: str = "application/octet-stream"):
    return client.post("/api/enhance", data={"image": (io.BytesIO(data), name, mimetype)},
                       content_type="multipart/form-data")


def test_ten_1024px_photos_are_all_accepted(client):
    sizes = []
    for seed in range(10):
        data = encoded(photo(seed), "JPEG", quality=90)
        sizes.append(len(data))
        response = post(client, data, "photo.jpg", "image/jpeg")
        assert response.status_code == 200, (seed, len(data), response.get_json())
    assert min(sizes) > 300_000 and max(sizes) < 4 * 2**20  # photos, not thumbnails


@pytest.mark.parametrize(("fmt", "mimetype", "options"), [
    ("PNG", "image/png", {}), ("JPEG", "image/jpeg", {"quality": 95}), ("WEBP", "image/webp", {"quality": 90}),
    ("GIF", "image/gif", {}), ("BMP", "image/bmp", {}), ("JPEG", "image/jpg", {}), ("PNG", "", {}),
])
def test_every_format_at_the_pixel_limit_is_accepted(client, fmt, mimetype, options):
    data = encoded(photo(1), fmt, **options)
    assert len(data) <= 4 * 2**20
    response = post(client, data, f"photo.{fmt.lower()}", mimetype)
    assert response.status_code == 200, (fmt, len(data), response.get_json())


def test_beyond_the_limits_is_refused(client):
    assert post(client, encoded(photo(2, side=1025), "JPEG")).status_code == 400  # pixels
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (1024, 1400, 3), dtype=np.uint8))
    too_big = encoded(noise, "BMP")
    assert len(too_big) > 4 * 2**20 and post(client, too_big).status_code == 413  # bytes


def test_a_form_field_is_still_held_to_64_kib(client):
    response = client.post("/api/enhance", data={"image": (io.BytesIO(encoded(photo(3, 64), "PNG")), "x.png"),
                                                 "note": "x" * (65 * 2**10)}, content_type="multipart/form-data")
    assert response.status_code == 413
