"""Shared fixtures: the prepared data cache (built by `make data`) and the offline text encoder."""

import os

import pytest

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
