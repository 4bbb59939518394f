"""Digits GAN: labels and their validation, the pipeline's images, training and its export, evaluation.

Tiny models on CPU. Training uses the first digits of the real MNIST cache when it is there, and
made-up 28 px blobs otherwise, so the tests pass on a fresh clone without `make data`.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from deep_learning.common.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from deep_learning.digits_gan import training_loop
from deep_learning.digits_gan.labels import (
    INVALID,
    TOO_LONG,
    k_distribution,
    mix_label,
    one_hot,
    parse_digit_string,
    sample_k_hot,
)
from deep_learning.digits_gan.models import GENERATOR_KIND, SHIPPED, Critic, Generator
from deep_learning.digits_gan.pipeline import DigitsPipeline, sample_sheet, sheet_labels, training_config
from tests.gan_fixtures import first_digits

TINY = {"z_dim": 8, "width": 4}
TINY_FLAGS = ["--z_dim=8", "--g_width=4", "--d_width=4", "--batch_size=16", "--n_critic=2", "--check_per_digit=0"]


@pytest.fixture(scope="module")
def tiny_pipeline() -> DigitsPipeline:
    torch.manual_seed(0)
    generator = Generator(**TINY)
    with torch.no_grad():  # float16-exact weights, so a half-precision checkpoint round-trips losslessly
        for tensor in generator.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(tensor.half().float())
    return DigitsPipeline(generator, meta={"training": {"preset": "test"}})


@pytest.fixture
def mnist_slice(monkeypatch):
    """192 training digits: the real ones when the cache exists, blobs otherwise."""
    images, labels = first_digits(192)
    monkeypatch.setattr(training_loop, "load_mnist", lambda split="train": (images, labels))
    return images, labels


# ---- labels -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, digits", [("0", [0]), ("2024", [2, 0, 2, 4]), ("9876543210", list(range(9, -1, -1)))])
def test_parse_digit_string(text, digits):
    assert parse_digit_string(text) == digits


@pytest.mark.parametrize(
    "text, message",
    [("12345678901", TOO_LONG), ("", INVALID), ("12a", INVALID), ("-1", INVALID), ("1 2", INVALID),
     ("4.5", INVALID), ("²", INVALID), ("١٢", INVALID), ("12\n", INVALID), (12, INVALID)],
)
def test_parse_digit_string_rejects(text, message):
    with pytest.raises(ValueError) as error:
        parse_digit_string(text)
    assert str(error.value) == message


def test_messages_are_seed_000s():
    assert TOO_LONG == "Request too long. Max 10 digits."
    assert INVALID == "Request invalid. Should only contain digits (0-9)."


def test_mix_label_normalises():
    label = mix_label([1, 1, 0, 0, 0, 0, 0, 0, 0, 0.0])
    assert label.shape == (1, 10)
    assert torch.allclose(label[0, :2], torch.tensor([0.5, 0.5]))
    assert math.isclose(float(label.sum()), 1.0, rel_tol=1e-6)
    assert torch.equal(mix_label([0] * 9 + [0.3]), one_hot([9]))


@pytest.mark.parametrize(
    "weights",
    [[0] * 10, [1] * 9, [1] * 11, [1.5] + [0] * 9, [-0.1] + [1] * 9, [float("nan")] + [1] * 9,
     [float("inf")] + [0] * 9, ["1"] + [0] * 9, [True] + [0] * 9, "0123456789", None, 5],
)
def test_mix_label_rejects(weights):
    with pytest.raises(ValueError):
        mix_label(weights)


def test_k_distribution_extremes_and_pan():
    assert torch.equal(k_distribution(0.0), one_hot([0])[0])  # pan 0: exactly one-hot
    assert torch.equal(k_distribution(1.0), one_hot([9])[0])  # pan 1: exactly all-hot
    probs = k_distribution(0.1)
    assert math.isclose(float(probs.sum()), 1.0, rel_tol=1e-6)
    assert probs.argmax() == 0 and probs[0] > 0.5  # k = 1 most of the time
    assert torch.allclose(k_distribution(0.5), torch.full((10,), 0.1), atol=1e-3)
    with pytest.raises(ValueError):
        k_distribution(1.5)


def test_sample_k_hot_rows_are_k_hot_mixes():
    labels = sample_k_hot(4000, pan=0.3, generator=torch.Generator().manual_seed(0))
    assert labels.shape == (4000, 10)
    assert torch.allclose(labels.sum(1), torch.ones(4000))
    k = (labels > 0).sum(1)
    assert torch.allclose(labels.max(1).values, 1 / k.float())  # equal weights on the k chosen digits
    assert set(k.unique().tolist()) == set(range(1, 11))
    assert torch.equal(sample_k_hot(50, pan=0.0).sum(1), torch.ones(50))
    assert ((sample_k_hot(50, pan=0.0) > 0).sum(1) == 1).all()


# ---- models and pipeline ------------------------------------------------------------------------------


def test_models_take_label_mixes():
    generator, critic = Generator(**TINY).eval(), Critic(width=4)
    labels = torch.cat([one_hot([3]), mix_label([1, 0, 0, 0, 0, 0, 0, 1, 0, 0])])
    images = generator(torch.randn(2, 8), labels)
    assert images.shape == (2, 1, 28, 28) and images.abs().max() <= 1
    assert critic(images, labels).shape == (2,)
    with pytest.raises(RuntimeError):
        generator(torch.randn(2, 8), torch.ones(2, 9))  # a label has 10 weights


@pytest.mark.parametrize("text", ["7", "0123456789", "42"])
def test_digit_string_width(tiny_pipeline, text):
    image = tiny_pipeline.digits(text, seed=1)
    assert image.size == (28 * len(text), 28) and image.mode == "L"
    assert image.info["seed"] == 1


def test_digit_string_is_per_digit_images_side_by_side(tiny_pipeline):
    strip = np.asarray(tiny_pipeline.digits("5173", seed=3))
    first = np.asarray(tiny_pipeline.digits("5", seed=3))  # noise row 0 depends on the seed only
    assert np.array_equal(strip[:, :28], first)


@pytest.mark.parametrize("text, message", [("12345678901", TOO_LONG), ("12 3", INVALID), ("", INVALID)])
def test_pipeline_validates_digits(tiny_pipeline, text, message):
    with pytest.raises(ValueError) as error:
        tiny_pipeline.digits(text)
    assert str(error.value) == message


def test_pipeline_mix_and_random(tiny_pipeline):
    assert tiny_pipeline.mix([0.5, 0, 0, 0, 0, 0, 0, 1, 0, 0], seed=0).size == (28, 28)
    with pytest.raises(ValueError):
        tiny_pipeline.mix([0] * 10)
    image = tiny_pipeline.random(seed=4)
    assert image.size == (28, 28)
    assert np.array_equal(np.asarray(image), np.asarray(tiny_pipeline.digits(str(image.info["digit"]), seed=4)))
    with pytest.raises(ValueError):
        tiny_pipeline.random(seed=-1)


def test_same_seed_same_image_other_seed_differs(tiny_pipeline):
    for make in (lambda s: tiny_pipeline.digits("38", seed=s), lambda s: tiny_pipeline.mix([1] * 10, seed=s)):
        assert np.array_equal(np.asarray(make(7)), np.asarray(make(7)))
        assert not np.array_equal(np.asarray(make(7)), np.asarray(make(8)))
    assert isinstance(tiny_pipeline.digits("1").info["seed"], int)  # no seed: a fresh one, reported back


def test_pipeline_save_load_gives_identical_images(tiny_pipeline, tmp_path):
    path = save_checkpoint(tmp_path / "digits.pt", kind=GENERATOR_KIND, half=True, model_args=TINY | {"label_dim": 10},
                           state={"generator": tiny_pipeline.generator.state_dict()}, meta=tiny_pipeline.meta)
    loaded = DigitsPipeline.from_checkpoint(path)
    for seed in (0, 1):
        assert np.array_equal(np.asarray(loaded.digits("0123456789", seed)),
                              np.asarray(tiny_pipeline.digits("0123456789", seed)))
    info = loaded.info
    assert info["image_size"] == 28 and info["training"]["preset"] == "test"
    assert set(info["metrics"]) >= {"rows", "notes"}
    with pytest.raises(CheckpointError):
        DigitsPipeline.from_checkpoint(tmp_path / "missing.pt")


def test_sample_sheet_rows(tiny_pipeline):
    assert sample_sheet(tiny_pipeline.generator, styles=3).shape == (3 * len(sheet_labels()), 1, 28, 28)


# ---- training -----------------------------------------------------------------------------------------


def _state(path):
    return load_checkpoint(path, kind="digits/training")["state"]


def test_training_resumes_and_exports_an_inference_checkpoint(mnist_slice, tmp_path):
    """The run folder and the export; that the resumed weights are the unbroken run's: test_resume_contract.py."""
    common = [*TINY_FLAGS, f"--saved={tmp_path}", "--limit=160"]
    straight = training_loop.main([*common, "--run=straight", "--epochs=2", f"--out={tmp_path / 'a.pt'}"])
    training_loop.main([*common, "--run=split", "--epochs=1", f"--out={tmp_path / 'first.pt'}"])  # "interrupted"
    with pytest.raises(SystemExit):  # a second fresh start would mix two runs in one folder
        training_loop.main([*common, "--run=split", "--epochs=2"])
    resumed = training_loop.main([*common, "--run=split", "--epochs=2", "--resume", f"--out={tmp_path / 'b.pt'}"])

    assert resumed["step"] == straight["step"] == 2 * (160 // 16)
    timing = {"seconds", "cpu_seconds", "images_per_s"}
    assert {k: v for k, v in resumed.items() if k not in timing} == {
        k: v for k, v in straight.items() if k not in timing}
    log = (tmp_path / "split" / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in log] == [1, 2]
    assert (tmp_path / "split" / "samples" / "epoch0002.png").is_file()
    assert (tmp_path / "split" / "progress.png").is_file()

    shipped = load_checkpoint(tmp_path / "b.pt", kind=GENERATOR_KIND)
    assert shipped["meta"]["training"]["config"]["config"] == "can" and shipped["meta"]["training"]["epochs"] == 2
    assert all(t.dtype == torch.float16 for t in shipped["state"]["generator"].values() if t.is_floating_point())
    pipeline = DigitsPipeline.from_checkpoint(tmp_path / "b.pt")
    assert pipeline.digits("0123456789", seed=0).size == (280, 28)


def test_baseline_preset_is_one_hot_without_classifier(mnist_slice, tmp_path):
    training_loop.main(["--config=baseline", *TINY_FLAGS, f"--saved={tmp_path}", "--limit=64", "--epochs=1",
                        f"--out={tmp_path / 'base.pt'}"])
    state = _state(tmp_path / "baseline/checkpoint-epoch0001.pt")
    assert "classifier" not in state
    config = load_checkpoint(tmp_path / "base.pt")["meta"]["training"]["config"]
    assert config["pan"] == 0.0 and config["class_weight"] == 0.0


def test_the_export_goes_to_the_run_folder_not_over_the_shipped_checkpoint(mnist_slice, tmp_path):
    before, mtime = SHIPPED.read_bytes(), SHIPPED.stat().st_mtime_ns  # a missing shipped checkpoint fails here
    training_loop.main([*TINY_FLAGS, f"--saved={tmp_path}", "--limit=32", "--epochs=1"])  # no --out
    exported = load_checkpoint(tmp_path / "can" / "digits.pt", kind=GENERATOR_KIND)
    assert training_config(exported["meta"])["epochs"] == 1 and "title" not in exported["meta"]
    assert SHIPPED.read_bytes() == before and SHIPPED.stat().st_mtime_ns == mtime


def test_training_config_reads_the_one_meta_layout_and_the_shipped_checkpoints():
    assert training_config({"training": {"config": {"pan": 0.1}}}) == {"pan": 0.1}
    assert training_config({"config": {"pan": 0.2}, "training": {"epochs": 6}}) == {"pan": 0.2}  # older layout
    pipeline = DigitsPipeline.from_checkpoint(SHIPPED)
    assert pipeline.info["training"]["config"]["config"] == "can"
    assert pipeline.digits("42", seed=0).size == (56, 28)


def test_evaluation_writes_a_report_it_can_read_back(tiny_pipeline, tmp_path, monkeypatch, mnist_cache):
    """`python -m deep_learning.digits_gan.evaluate` end to end on the tiny model: the shipped MNIST judge, real
    digits, cheap features for Inception's (and no cache of the real ones read or written)."""
    from deep_learning.common.metrics import inception
    from deep_learning.digits_gan import evaluate
    from tests.gan_fixtures import ColourFeatures

    monkeypatch.setattr(inception, "InceptionFeatures", ColourFeatures)
    monkeypatch.setattr(evaluate, "CACHE", tmp_path / "cache")
    path = save_checkpoint(tmp_path / "digits.pt", kind=GENERATOR_KIND, half=True, model_args=TINY | {"label_dim": 10},
                           state={"generator": tiny_pipeline.generator.state_dict()}, meta=tiny_pipeline.meta)
    out = tmp_path / "report"
    result = evaluate.main([f"--checkpoint={path}", f"--out_dir={out}", "--per_digit=3", "--inception=12",
                            "--mix_samples=1"])
    metrics = json.loads((out / "metrics.json").read_text())
    generated, real = metrics["rows"]
    assert metrics["rows"] == result["rows"] and generated["train"]["images"] == 30
    assert real["test"]["accuracy"] > 0.9 and generated["train"]["inception_images"] == 12  # the judge reads digits
    assert len(metrics["per_digit_accuracy"]) == 10 and [row["request"] for row in metrics["mix"]][-1].startswith("all")
    markdown = (out / "metrics.md").read_text()
    assert markdown.startswith("# Digits GAN: evaluation")
    assert "| generated digits (one-hot labels) | train |" in markdown
    assert load_checkpoint(path, kind=GENERATOR_KIND)["meta"]["metrics"]["rows"] == metrics["rows"]
    assert (out / "samples.png").is_file() and not (tmp_path / "cache").exists()


@pytest.mark.slow  # starts four Python processes
def test_torchrun_two_processes_train_and_resume(tmp_path):
    """DDP over gloo: two processes share each epoch; a resumed run continues the step count."""
    script = Path(training_loop.__file__)
    flags = [*TINY_FLAGS, f"--saved={tmp_path}", "--limit=128", f"--out={tmp_path / 'd.pt'}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(script)]
    subprocess.run([*command, *flags, "--epochs=1"], check=True, env=env, capture_output=True)
    subprocess.run([*command, *flags, "--epochs=2", "--resume"], check=True, env=env, capture_output=True)
    rows = [json.loads(line) for line in (tmp_path / "can" / "log.jsonl").read_text().splitlines()]
    assert [(row["epoch"], row["step"]) for row in rows] == [(1, 4), (2, 8)]  # 128 digits / 2 processes / 16
    assert json.loads((tmp_path / "can" / "training_options.json").read_text())["world_size"] == 2
    assert DigitsPipeline.from_checkpoint(tmp_path / "d.pt").digits("12").size == (56, 28)
