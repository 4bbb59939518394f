"""The real app through Flask's test client, on tiny checkpoints the tests make."""

import base64
import io
import subprocess
import sys

import pytest
import torch
from PIL import Image

from backend import create_app
from deep_learning.common.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from deep_learning.common.paths import REPO_ROOT
from tests.tiny_models import flip_bytes_inside_a_tensor, tiny_text_to_image


@pytest.fixture(scope="module")
def app_config():
    return {"CORS_ORIGINS": ["http://localhost:8080"]}


def decode_png(b64: str) -> Image.Image:
    assert "\n" not in b64
    image = Image.open(io.BytesIO(base64.b64decode(b64, validate=True)))
    assert image.format == "PNG"
    return image


def test_seed_contract_five_pngs(client):
    response = client.get("/?input=red")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["images"]) == 5 and body["prompt"] == "red" and body["model"] == "text-to-image"
    assert all(decode_png(b).size == (32, 32) for b in body["images"])


def test_same_seed_same_images_and_other_prompt_other_images(client):
    first = client.get("/?input=red%20apple&seed=7&n=3").get_json()
    again = client.get("/?input=red%20apple&seed=7&n=3").get_json()
    other = client.get("/?input=blue%20car&seed=7&n=3").get_json()
    assert first["seed"] == 7 and first["images"] == again["images"]
    assert first["images"] != other["images"]
    # image i is seeded by seed + i: the second image of seed 7 is the first of seed 8
    assert client.get("/?input=red%20apple&seed=8&n=1").get_json()["images"][0] == first["images"][1]


def test_random_seed_is_echoed_and_reproduces(client):
    body = client.get("/?input=frog&n=1").get_json()
    again = client.get(f"/?input=frog&n=1&seed={body['seed']}").get_json()
    assert again["images"] == body["images"]


@pytest.mark.parametrize("query, message", [
    ("", "Missing query parameter 'input'"),
    ("?input=", "empty"),
    ("?input=%20%20%09", "empty"),
    ("?input=" + "a" * 201, "limit is 200"),
    ("?input=red%00apple", "control"),
    ("?input=red&n=0", "'n' must be from 1 to 16"),
    ("?input=red&n=17", "'n' must be from 1 to 16"),
    ("?input=red&n=five", "whole number"),
    ("?input=red&n=2.5", "whole number"),
    ("?input=red&seed=-1", "'seed' must be from 0"),
    ("?input=red&seed=99999999999999999999", "'seed' must be from 0"),
    ("?input=red&model=nope", "Unknown model"),
])
def test_bad_text_to_image_requests_get_400_json(client, query, message):
    response = client.get("/" + query)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_models_and_prompts(client):
    models = client.get("/api/models").get_json()["models"]
    assert [m["name"] for m in models] == ["text-to-image"]
    card = models[0]
    assert card["kind"] == "text-to-image" and card["tasks"] == ["paint"] and card["image_size"] == 32
    assert card["text_encoder"] == "minilm" and card["metrics"]["rows"][0]["label"] == "tiny"
    prompts = client.get("/api/prompts").get_json()
    assert set(prompts["train"]) == {"red apple", "grinning face", "blue car"} and prompts["test"] == ["green frog"]
    assert client.get("/api/health").get_json() == {"status": "ok", "models": ["text-to-image"]}


@pytest.mark.parametrize("method, path", [("post", "/mnist"), ("get", "/example1.png"), ("get", "/api/random"),
                                          ("get", "/api/sketch/example"), ("get", "/api/enhance/example")])
def test_models_not_loaded_answer_503_json(client, method, path):
    response = getattr(client, method)(path, data={"value": "12"} if method == "post" else None)
    assert response.status_code == 503 and "not loaded" in response.get_json()["error"]


def test_mnist_validation_comes_first_with_seed_messages(client):
    assert client.post("/mnist", data={"value": "12345678901"}).get_json() == {
        "message": "Request too long. Max 10 digits."}
    assert client.post("/mnist", data={"value": "12a"}).get_json() == {
        "message": "Request invalid. Should only contain digits (0-9)."}


@pytest.mark.parametrize("body, status", [
    ({"weights": [0.5] * 9}, 400), ({"weights": [2] + [0] * 9}, 400), ({"weights": [0] * 10}, 400),
    ({"weights": ["a"] * 10}, 400), ({"weights": [1] + [0] * 9, "seed": -3}, 400), ([1, 2], 400)])
def test_mix_validation(client, body, status):
    assert client.post("/api/mix", json=body).status_code == status


def test_mix_needs_json(client):
    response = client.post("/api/mix", data="weights=1")
    assert response.status_code == 415 and "application/json" in response.get_json()["error"]


def test_unknown_route_and_wrong_method_are_json(client):
    assert client.get("/api/nothing").status_code == 404 and "error" in client.get("/api/nothing").get_json()
    response = client.post("/?input=red")
    assert response.status_code == 405 and "error" in response.get_json()


def test_cors_for_the_configured_origin_only(client):
    allowed = client.get("/?input=red&n=1", headers={"Origin": "http://localhost:8080"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    assert allowed.headers["Access-Control-Expose-Headers"] == "Retry-After"  # the page reads a 503's wait
    other = client.get("/?input=red&n=1", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_openapi_matches_the_routes(app, client):
    documented = set(client.get("/api/openapi.json").get_json()["paths"])
    routes = {rule.rule.replace("<", "{").replace(">", "}") for rule in app.url_map.iter_rules()
              if rule.endpoint != "static"}
    assert documented == routes
    assert "GAN Studio API" in client.get("/api/docs").get_data(as_text=True)


@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong_kind", "bit_flip"])
def test_start_up_refuses_broken_checkpoints_naming_them(tmp_path, damage):
    path = tmp_path / "model.pt"
    if damage == "truncated":
        tiny_text_to_image(path)
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "wrong_kind":
        save_checkpoint(path, kind="classifier", model_args={}, state={})
    elif damage == "bit_flip":  # 4 KB of one tensor inverted: torch reads it without a word
        flip_bytes_inside_a_tensor(tiny_text_to_image(path))
    with pytest.raises(CheckpointError, match=str(path)) as refused:
        create_app({"MODELS": {"text-to-image": str(path)}})
    if damage == "bit_flip":
        assert "is damaged: the SHA-256 of its weights" in str(refused.value)


def test_a_model_card_carries_its_checkpoints_digest_and_an_old_one_loads_unverified(tmp_path, caplog):
    path = tiny_text_to_image(tmp_path / "model.pt")
    card = create_app({"MODELS": {"text-to-image": str(path)}}).test_client().get("/api/models").get_json()
    assert card["models"][0]["checkpoint_sha256"] == load_checkpoint(path)["state_sha256"]
    old = {**load_checkpoint(path), "version": 1}
    del old["state_sha256"], old["verified"]
    torch.save(old, path)
    card = create_app({"MODELS": {"text-to-image": str(path)}}).test_client().get("/api/models").get_json()
    assert card["models"][0]["checkpoint_sha256"] is None
    assert "served unverified" in caplog.text and str(path) in caplog.text


def test_serving_imports_no_training_code():
    """The server loads checkpoints through the inference objects only: no training loop, optimiser or data set."""
    probe = ("import sys; from backend import create_app; create_app(); "
             "print(' '.join(m for m in sys.modules if m.endswith(('training_loop', '.training', '.evaluate'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
