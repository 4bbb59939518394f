"""Every route over the shipped checkpoints: digits, mixing, random images, sketches, super-resolution."""

import base64
import io

import pytest
from PIL import Image

from backend.config import SHIPPED_MODELS
from tests.hostile_requests import png_header


@pytest.fixture(scope="module")
def app_config(tiny_checkpoint):
    models = {name: str(path) for name, path in SHIPPED_MODELS.items() if name != "text-to-image"}  # all shipped
    return {"MODELS": {**models, "text-to-image": str(tiny_checkpoint)}, "MAX_UPLOAD_PIXELS": 512 * 512}


def image_of(b64: str, fmt: str = "PNG") -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64, validate=True)))
    assert image.format == fmt
    return image


def png_upload(image: Image.Image, name: str = "x.png", mimetype: str = "image/png") -> dict:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return {"image": (buffer, name, mimetype)}


def test_every_shipped_model_is_listed_with_its_tasks(client):
    cards = {card["name"]: card for card in client.get("/api/models").get_json()["models"]}
    assert set(cards) == set(SHIPPED_MODELS)
    assert cards["digits"]["tasks"] == ["digits", "mix", "random"]
    for name, card in cards.items():
        if name != "text-to-image":
            assert card["samples_url"] and client.get(card["samples_url"]).status_code == 200, name
            assert card["metrics"]["rows"], name


def test_no_server_path_in_the_model_cards(client):
    """The SRGAN card's training config names its perceptual network: by file name, not where it lies."""
    import json
    body = client.get("/api/models").get_data(as_text=True)
    assert "/work" not in body and str(SHIPPED_MODELS["super-resolution"].parents[3]) not in body
    cards = {card["name"]: card for card in json.loads(body)["models"]}
    config = cards["super-resolution"]["training"].get("config", {})
    if "perceptual_network" in config:
        assert config["perceptual_network"] == "emoji.pt"


@pytest.mark.parametrize("value, width_digits", [("7", 1), ("2024", 4), ("0123456789", 10)])
def test_mnist_route_draws_the_whole_number(client, value, width_digits):
    body = client.post("/mnist", data={"value": value}).get_json()
    assert body["message"] == "Image generated successfully"
    image = image_of(body["img"], "JPEG")
    assert image.width == width_digits * image.height  # one square digit per character, side by side


def test_mix_and_random(client):
    body = client.post("/api/mix", json={"weights": [0.5, 0, 0, 0, 0, 0, 0, 0.5, 0, 0], "seed": 3}).get_json()
    assert body["seed"] == 3 and image_of(body["image"]).size[0] > 0
    again = client.post("/api/mix", json={"weights": [0.5, 0, 0, 0, 0, 0, 0, 0.5, 0, 0], "seed": 3}).get_json()
    assert again["image"] == body["image"]
    for model in ("digits", "emoji-dcgan"):
        response = client.get(f"/api/random?model={model}&seed=5").get_json()
        assert response["model"] == model and image_of(response["image"]).width > 0


def test_example1_png_is_a_fresh_uncached_png(client):
    first, second = client.get("/example1.png"), client.get("/example1.png")
    assert first.status_code == 200 and first.mimetype == "image/png" and "no-store" in first.headers["Cache-Control"]
    assert Image.open(io.BytesIO(first.data)).size == (32, 32) and first.data != second.data


def test_sketch_round_trip_with_a_real_png(client):
    example = image_of(client.get("/api/sketch/example?seed=1").get_json()["image"])
    body = client.post("/api/sketch", data=png_upload(example.convert("RGBA")),
                       content_type="multipart/form-data").get_json()
    assert image_of(body["image"]).mode == "RGB"


def test_enhance_round_trip_is_four_times_larger(client):
    low = image_of(client.get("/api/enhance/example?seed=2").get_json()["image"])
    body = client.post("/api/enhance", data=png_upload(low), content_type="multipart/form-data").get_json()
    sizes = {key: image_of(body[key]).size for key in ("low_res", "bicubic", "enhanced")}
    assert sizes["enhanced"] == sizes["bicubic"] == (4 * sizes["low_res"][0], 4 * sizes["low_res"][1])


@pytest.mark.parametrize("route", ["/api/sketch", "/api/enhance"])
@pytest.mark.parametrize("upload, status, message", [
    (None, 400, "Missing file field"),
    ((b"", "image/png"), 400, "empty"),
    ((b"hello, not an image", "image/png"), 400, "not an image"),
    ((b"GIF89a", "text/plain"), 400, "Unsupported content type"),
    ((png_header(20000, 20000), "image/png"), 400, "too many pixels"),  # beyond Pillow's own bomb guard
    ((png_header(768, 768), "image/png"), 400, "too many pixels (768x768)"),  # beyond the server's limit
    ((b"x" * (5 * 2**20), "image/png"), 413, "Too Large"),
])
def test_bad_uploads_get_4xx_json(client, route, upload, status, message):
    data = {"image": (io.BytesIO(upload[0]), "upload.png", upload[1])} if upload else {}
    response = client.post(route, data=data, content_type="multipart/form-data")
    assert response.status_code == status and message in response.get_json()["error"]


def test_truncated_png_is_refused(client):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "PNG")
    data = {"image": (io.BytesIO(buffer.getvalue()[:-40]), "t.png", "image/png")}
    response = client.post("/api/enhance", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "truncated" in response.get_json()["error"]

