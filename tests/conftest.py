"""Shared fixtures: the prepared data cache (built by `make data`), the offline text encoder, and the Flask
app on a tiny text-to-image checkpoint (`app`, `client`; a test module sets its own `app_config`)."""

import json
import os

import open_clip
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from deep_learning.common.data import emoji, mnist
from deep_learning.common.text_encoders import load_text_encoder


@pytest.fixture(scope="session")
def emoji32():
    if not emoji.cache_path(32).is_file():
        pytest.fail(f"{emoji.cache_path(32)} missing: run `make data` before the tests")
    return emoji.load_emoji(32)


@pytest.fixture(scope="session")
def mnist_cache():
    if not mnist.CACHE_PATH.is_file():
        pytest.fail(f"{mnist.CACHE_PATH} missing: run `make data` before the tests")
    return mnist.CACHE_PATH


@pytest.fixture(scope="session")
def minilm():
    return load_text_encoder("minilm")


@pytest.fixture()
def tiny_clip_file(tmp_path):
    """A tiny OpenCLIP model with random weights, saved to a file: the stand-in for real CLIP weights."""
    config = {"embed_dim": 32,
              "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
              "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}
    (tmp_path / "tiny-clip-test.json").write_text(json.dumps(config))
    open_clip.add_model_config(tmp_path)
    torch.manual_seed(0)
    model = open_clip.create_model("tiny-clip-test", pretrained=None)
    torch.save(model.state_dict(), tmp_path / "tiny.pt")
    return model, tmp_path / "tiny.pt"


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """A tiny text-to-image checkpoint with random weights (`tests/tiny_models.py`), one per test module."""
    from tests.tiny_models import tiny_text_to_image

    return tiny_text_to_image(tmp_path_factory.mktemp("models") / "t2i.pt")


@pytest.fixture(scope="module")
def app_config():
    """The app's settings over the tiny text-to-image model; a test module overrides this fixture for its own
    (a "MODELS" entry replaces the model table)."""
    return {}


@pytest.fixture(scope="module")
def app(tiny_checkpoint, app_config):
    from backend import create_app

    return create_app({"MODELS": {"text-to-image": str(tiny_checkpoint)}, **app_config})


@pytest.fixture()
def client(app):
    return app.test_client()
