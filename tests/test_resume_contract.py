"""The resume contract, once for every GAN loop on the training skeleton (deep_learning/common/loop.py): a run
stopped after an epoch and continued with `--resume=true` ends bit for bit where the same run in one go ends:
every weight, optimiser moment, EMA copy, counter and RNG state of its last training checkpoint.

Tiny presets on tiny data: fake emoji for the image loops (tests/gan_fixtures.py), the first MNIST digits
(or blobs, without the cache) for the digits GAN. Text to image keeps its own test while its loop is rewritten.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from deep_learning.common.checkpoint import load_checkpoint
from deep_learning.common.data import image_split
from deep_learning.dcgan import training_loop as dcgan
from deep_learning.digits_gan import training_loop as digits_gan
from deep_learning.pix2pix import training_loop as pix2pix
from deep_learning.srgan import training_loop as srgan
from tests.gan_fixtures import fake_emoji, first_digits

TIMING = {"seconds", "cpu_seconds"}  # wall-clock and CPU time differ between any two runs


@dataclass
class Loop:
    module: object
    epochs: int  # the whole run; the interrupted one stops one epoch earlier
    train: Callable[[Path, str, int, bool], Path]  # (saved folder, run name, epochs, resume) -> run folder


def image_loop(module, images: int, epochs: int, monkeypatch) -> Loop:
    monkeypatch.setattr(image_split, "load_emoji", lambda size: fake_emoji(size, images))

    def train(saved: Path, run: str, epochs: int, resume: bool) -> Path:
        monkeypatch.setattr(module, "model_dir", lambda name: saved / name)
        config = module.Config(**{**module.PRESETS["tiny"], "config": "tiny", "device": "cpu", "run": run,
                                  "epochs": epochs, "resume": resume})
        return module.train(config)

    return Loop(module, epochs, train)


def digits_loop(monkeypatch) -> Loop:
    images, labels = first_digits(32)
    monkeypatch.setattr(digits_gan, "load_mnist", lambda split="train": (images, labels))
    tiny = ["--z_dim=8", "--g_width=4", "--d_width=4", "--batch_size=16", "--n_critic=2", "--check_per_digit=0"]

    def train(saved: Path, run: str, epochs: int, resume: bool) -> Path:
        digits_gan.main([*tiny, f"--saved={saved}", "--limit=32", f"--run={run}", f"--epochs={epochs}",
                         f"--out={saved / run / 'digits.pt'}", *(["--resume"] if resume else [])])
        return saved / run

    return Loop(digits_gan, 2, train)


LOOPS = {
    "dcgan": lambda monkeypatch: image_loop(dcgan, 48, 2, monkeypatch),
    "pix2pix": lambda monkeypatch: image_loop(pix2pix, 40, 2, monkeypatch),
    "srgan": lambda monkeypatch: image_loop(srgan, 40, 3, monkeypatch),  # stops after its first GAN epoch
    "digits_gan": digits_loop,
}


def differences(a, b, where: str = "state") -> list[str]:
    """Where two checkpoint states differ, to the bit (timings apart)."""
    if isinstance(a, torch.Tensor):
        same = isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
        return [] if same else [where]
    if isinstance(a, dict):
        if not isinstance(b, dict) or set(a) != set(b):
            return [f"{where} (keys)"]
        return [d for key in a if key not in TIMING for d in differences(a[key], b[key], f"{where}.{key}")]
    if isinstance(a, (list, tuple)):
        if not isinstance(b, (list, tuple)) or len(a) != len(b):
            return [f"{where} (length)"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [where]


@pytest.mark.parametrize("name", LOOPS)
def test_a_resumed_run_ends_bit_for_bit_where_an_unbroken_one_ends(name, tmp_path, monkeypatch):
    threads = torch.get_num_threads()
    try:
        loop = LOOPS[name](monkeypatch)
        whole = loop.train(tmp_path, "whole", loop.epochs, False)
        stopped = loop.train(tmp_path, "split", loop.epochs - 1, False)
        (stopped / f".checkpoint-epoch{loop.epochs:04d}.pt.x1.tmp").write_bytes(b"half of a save a kill interrupted")
        with pytest.raises(SystemExit, match="--resume=true"):  # a fresh start would mix two runs in one folder
            loop.train(tmp_path, "split", loop.epochs, False)
        split = loop.train(tmp_path, "split", loop.epochs, True)
    finally:
        torch.set_num_threads(threads)  # the tiny presets train on one thread
    last = f"checkpoint-epoch{loop.epochs:04d}.pt"
    a, b = load_checkpoint(whole / last)["state"], load_checkpoint(split / last)["state"]
    assert a["epoch"] == loop.epochs and a["step"] > 0
    assert differences(a, b) == []
    assert differences(a, {**a, "step": a["step"] + 1}) == ["state.step"]  # the comparison sees a changed bit
    assert not list(split.glob(".*.tmp"))
    assert len((split / "log.jsonl").read_text().splitlines()) == loop.epochs  # no epoch logged twice
