"""DCGAN: shapes, training, a kill mid-epoch, evaluation, checkpoint -> pipeline round trip, image folders.

Tiny models on tiny fake data made here, so the tests need neither the data cache nor a shipped checkpoint.
"""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from deep_learning.common.checkpoint import load_checkpoint
from deep_learning.common.data.image_split import load_image_split
from deep_learning.dcgan import evaluate, training_loop
from deep_learning.dcgan.models import KIND, Discriminator, Generator
from deep_learning.dcgan.pipeline import SHIPPED_CHECKPOINT, RandomImagePipeline
from tests.gan_fixtures import evaluate_tiny, tiny_fixture

tiny = tiny_fixture(training_loop, count=48)


@pytest.fixture(scope="module")
def shipped(tiny):
    return training_loop.train(tiny(run="shipped")) / "dcgan.pt"


@pytest.mark.parametrize("size", [32, 64])
def test_shapes(size):
    torch.manual_seed(0)
    generator = Generator(z_dim=8, image_size=size, dense_channels=16, channels=8)
    images = generator(torch.randn(5, 8))
    assert images.shape == (5, 3, size, size)
    assert images.abs().max() <= 1
    assert Discriminator(size, (8, 8, 8, 16))(images).shape == (5,)


def test_seed_architecture():
    """Baseline config = seed 002: dense 4x4x256, three stride-2 transposed convs of 128, 3x3 conv + tanh."""
    generator, discriminator, _ = training_loop.build_models(training_loop.Config())
    transposed = [m for m in generator.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert generator.dense[0].out_features == 4 * 4 * 256
    assert [(m.out_channels, m.stride) for m in transposed] == [(128, (2, 2))] * 3
    assert isinstance(generator.body[-1], torch.nn.Tanh)
    assert any(isinstance(m, torch.nn.Dropout) and m.p == 0.4 for m in discriminator.modules())


def test_training_writes_run(shipped):
    run = shipped.parent
    rows = [line for line in (run / "log.jsonl").read_text().splitlines() if line]
    assert len(rows) == 2
    assert (run / "samples" / "epoch0002.png").is_file() and (run / "progress.png").is_file()
    shipped = load_checkpoint(run / "dcgan.pt", kind=KIND)
    assert shipped["meta"]["image_size"] == 32
    assert all(v.dtype == torch.float16 for v in shipped["state"]["generator"].values() if v.is_floating_point())


def test_a_run_killed_mid_epoch_resumes_from_its_checkpoint(tiny, shipped, monkeypatch):
    """Stopped (as Ctrl-C or a kill stops it) in the second epoch, after the first one's checkpoint: the resumed
    run ends with the weights of the two epochs in one go, and no log row twice."""
    step, calls = training_loop.train_step, []

    def dies_in_epoch_two(*args):
        calls.append(1)
        if len(calls) == 8:  # 36 training images / 8 a batch: 4 steps an epoch
            raise KeyboardInterrupt
        return step(*args)

    monkeypatch.setattr(training_loop, "train_step", dies_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        training_loop.train(tiny(run="killed"))
    monkeypatch.setattr(training_loop, "train_step", step)
    run = shipped.parent.parent / "killed"
    assert [p.name for p in run.glob("checkpoint-*")] == ["checkpoint-epoch0001.pt"]
    with pytest.raises(SystemExit, match="--resume=true"):  # a fresh start would mix two runs in one folder
        training_loop.train(tiny(run="killed"))
    training_loop.train(tiny(run="killed", resume=True))
    a = load_checkpoint(shipped.parent / "checkpoint-epoch0002.pt")["state"]
    b = load_checkpoint(run / "checkpoint-epoch0002.pt")["state"]
    assert a["step"] == b["step"]
    for key, value in a["generator"].items():
        torch.testing.assert_close(b["generator"][key], value, msg=key)
    assert [json.loads(line)["epoch"] for line in (run / "log.jsonl").read_text().splitlines()] == [1, 2]


def test_pipeline_round_trip(shipped):
    first, second = (RandomImagePipeline.from_checkpoint(shipped) for _ in range(2))
    images = first.sample(3, seed=5)
    assert [image.size for image in images] == [(32, 32)] * 3 and images[0].mode == "RGB"
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(images, second.sample(3, seed=5),
                                                                             strict=True))
    # image i of a call with seed s is the image of seed s + i alone
    np.testing.assert_array_equal(np.asarray(first.sample(1, seed=6)[0]), np.asarray(images[1]))
    assert len(first.sample(2)) == 2  # no seed: a fresh random one
    assert set(first.info) == {"image_size", "training", "metrics"}  # title and description: the registry's
    with pytest.raises(ValueError):
        first.sample(0)


def test_image_folder(tmp_path):
    """A CompCars-style folder: any sizes and modes, nested, centre-cropped to squares."""
    folder = tmp_path / "cars" / "front"
    folder.mkdir(parents=True)
    for i, (mode, size) in enumerate([("RGB", (50, 30)), ("RGBA", (40, 40)), ("L", (20, 64)), ("P", (33, 33))] * 3):
        Image.new(mode, size, color=i * 10).save(folder / f"{i}.png")
    (folder / "notes.txt").write_text("not an image")
    train, test = load_image_split(str(tmp_path / "cars"), 32)
    assert train.shape == (11, 32, 32, 3) and test.shape == (1, 32, 32, 3) and train.dtype == np.uint8


def test_shipped_checkpoint():
    """What the backend loads: small, evaluated, and it draws."""
    assert SHIPPED_CHECKPOINT.stat().st_size < 10 * 2**20
    pipeline = RandomImagePipeline.from_checkpoint()
    assert pipeline.info["metrics"]["rows"] and pipeline.info["metrics"]["notes"]
    assert pipeline.sample(1, seed=0)[0].size == (32, 32)


def test_evaluation_writes_a_report_it_can_read_back(shipped, tmp_path):
    """`python deep_learning/dcgan/evaluate.py` end to end on the tiny model (cheap features for Inception's)."""
    out = tmp_path / "report"
    metrics, markdown = evaluate_tiny(evaluate, shipped, out, "--samples=8", "--real=8")
    reference, model = metrics["rows"]
    assert metrics["samples"] == metrics["real"] == 8 and "(8 samples)" in model["label"]
    for split in ("train", "test"):
        assert set(model[split]) == {"fid", "kid", "kid_std"} and model[split]["fid"] >= 0
    assert reference["train"]["fid"] < model["train"]["fid"]  # an untrained generator is further from real images
    assert markdown.startswith("# DCGAN: evaluation\n")
    assert "| train FID | train KID | test FID | test KID |" in markdown
    assert metrics["command"] == f"python deep_learning/dcgan/evaluate.py --checkpoint={shipped} --out_dir={out} " \
        "--samples=8 --real=8"
