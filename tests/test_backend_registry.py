"""The model registry (backend/registry.py) is the one place a model is declared: an entry alone serves it."""

import re
from pathlib import Path

import pytest
from PIL import Image

from backend import config, create_app, registry
from backend.registry import TASKS, ModelEntry
from deep_learning.common.checkpoint import load_checkpoint, save_checkpoint

REPO_ROOT = Path(__file__).resolve().parents[1]
FAKE_KIND = "fake-test/generator"


class FakePipeline:
    """A stand-in inference object: a grey image whose shade is the seed."""

    def __init__(self, meta: dict):
        self.meta = meta

    @classmethod
    def from_checkpoint(cls, path):
        return cls(load_checkpoint(path, kind=FAKE_KIND)["meta"])

    @property
    def info(self) -> dict:
        return {"image_size": 4, "training": {"epochs": 1}, "metrics": {"rows": [], "notes": ""}}

    def sample(self, seed: int) -> Image.Image:
        return Image.new("RGB", (4, 4), (seed % 256,) * 3)


@pytest.fixture()
def fake_entry(monkeypatch, tmp_path):
    """A seventh model that exists only as a registry entry, registered for this test alone."""
    entry = ModelEntry("fake-gan", FAKE_KIND, FakePipeline, ("random",), "Fake GAN", "Grey squares, for a test.",
                       tmp_path / "fake.pt", random_image=lambda pipeline, seed: pipeline.sample(seed),
                       example=lambda pipeline: pipeline.sample(0))
    save_checkpoint(entry.checkpoint, kind=FAKE_KIND, model_args={}, state={}, meta={})
    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))
    registry.register(entry)
    return entry


def test_a_registry_entry_alone_serves_a_model(fake_entry):
    client = create_app({"MODELS": {"fake-gan": str(fake_entry.checkpoint)}}).test_client()
    cards = client.get("/api/models").get_json()["models"]
    assert [(card["name"], card["kind"], card["tasks"], card["title"], card["description"]) for card in cards] == [
        ("fake-gan", "fake-gan", ["random"], "Fake GAN", "Grey squares, for a test.")]
    assert cards[0]["columns"] == {"train": "Training images", "test": "Held-out images",
                                   "test_help": "Images of emoji concepts the model never saw in training."}
    body = client.get("/api/random?seed=7").get_json()
    assert body["model"] == "fake-gan" and body["seed"] == 7
    enum = client.get("/api/openapi.json").get_json()["paths"]["/api/random"]["get"]["parameters"][0]["schema"]
    assert enum["enum"] == ["fake-gan"]


def test_environment_names_resolve_through_the_registry(fake_entry, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_MODELS", "fake-gan,digits")  # a bare name: its shipped checkpoint
    assert config.from_environment()["MODELS"] == {"fake-gan": str(fake_entry.checkpoint),
                                                   "digits": str(registry.MODELS["digits"].checkpoint)}
    monkeypatch.setenv("GAN_STUDIO_MODELS", "nope")
    with pytest.raises(ValueError, match="no shipped checkpoint"):
        config.from_environment()


def test_registering_a_taken_name_or_case_or_an_unknown_task_fails(fake_entry):
    with pytest.raises(ValueError, match="already registered"):
        registry.register(ModelEntry("fake-gan", "x/y", FakePipeline, (), "t", "d", Path("x")))
    with pytest.raises(ValueError, match=r"cases \['dcgan'\] of 'other' are already registered"):
        registry.register(ModelEntry("other", "x/y", FakePipeline, (), "t", "d", Path("x"), {"dcgan": print}))
    with pytest.raises(ValueError, match="unknown tasks"):
        ModelEntry("other", "x/y", FakePipeline, ("dance",), "t", "d", Path("x"))


@pytest.mark.parametrize("entry", registry.MODELS.values(), ids=lambda entry: entry.name)
def test_each_entry_ships_its_checkpoint_and_names_its_cases_and_folder(entry):
    """A shipped checkpoint that is missing fails here: the server would silently not serve the model."""
    assert load_checkpoint(entry.checkpoint)["kind"] == entry.checkpoint_kind
    assert entry.benchmarks and all(callable(case) for case in entry.benchmarks.values())
    assert (REPO_ROOT / "deep_learning" / entry.package / "training_loop.py").is_file()
    assert entry.example is not None, "the contract and stored-pixel tests call the entry's example"


def test_the_training_benchmark_takes_its_cases_from_the_registry():
    from deep_learning import benchmark_training

    assert registry.benchmark_cases() == benchmark_training.BUILDERS
    assert "emoji64_b128" not in benchmark_training.MODELS  # on request only


def test_the_page_has_a_tab_for_every_task():
    """frontend/src/tabs.js lists `tab(id, label, icon, View, task)`: each registry task's tab, nothing more."""
    source = (REPO_ROOT / "frontend" / "src" / "tabs.js").read_text()
    tabs = dict(re.findall(r"tab\('([\w-]+)', '[^']*', '[\w-]+', \w+, '([\w-]+)'\)", source))
    assert tabs == {task.tab: task.name for task in TASKS.values()}
    for entry in registry.MODELS.values():  # the page repeats no title of the registry's
        assert entry.title not in source, entry.name


@pytest.mark.parametrize("entry", registry.MODELS.values(), ids=lambda entry: entry.name)
def test_every_shipped_pipeline_keeps_the_one_contract(entry):
    from deep_learning.common.pipeline import Pipeline, pil_images
    pipeline = entry.pipeline.from_checkpoint(entry.checkpoint)
    assert isinstance(pipeline, Pipeline)
    assert isinstance(pipeline.info, dict) and "training" in pipeline.info and "metrics" in pipeline.info
    images = pil_images(entry.example(pipeline))
    assert images and all(image.width > 0 for image in images)


def test_the_contract_refuses_tensors():
    import torch

    from deep_learning.common.pipeline import pil_images
    with pytest.raises(TypeError, match="not PIL images"):
        pil_images(torch.zeros(1, 3, 8, 8))


@pytest.mark.parametrize("name", sorted(registry.shipped_checkpoints()))
def test_every_shipped_checkpoint_carries_the_digest_of_its_weights(name):
    """A bit flip inside a shipped checkpoint is refused on load only where the file records its SHA-256."""
    loaded = load_checkpoint(registry.shipped_checkpoints()[name])
    assert loaded["verified"] and len(loaded["state_sha256"]) == 64
