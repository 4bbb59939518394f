"""The training skeleton (deep_learning/common/loop.py) on a line fit: the run folder explains itself, a
folder with checkpoints is not started over without --resume=true, and a run killed mid-epoch resumes to
the weights of a run that was never stopped."""

import json
import os
from dataclasses import dataclass, replace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deep_learning.common.checkpoint import load_checkpoint
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.training import Distributed, RunDir

STEPS_PER_EPOCH = 4


@dataclass
class Config:
    epochs: int = 3
    checkpoint_every: int = 1
    keep_checkpoints: int = 2
    sample_every: int = 1
    resume: bool = False
    seed: int = 0


def line_fit(root, config: Config, die_at_step: int = 0, stop_after: int = 0):
    """Fits y = 2 x0 - x1 with SGD on batches drawn from torch's global RNG (which a resume must restore);
    `die_at_step` raises KeyboardInterrupt there, as Ctrl-C or a kill would stop the run; `stop_after` ends
    the run after that epoch, as a time budget would."""
    torch.manual_seed(config.seed)
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(32, 2, generator=torch.Generator().manual_seed(1))
    y = x @ torch.tensor([[2.0], [-1.0]])

    def step(i: int, steps: int) -> dict:
        if steps == die_at_step:
            raise KeyboardInterrupt
        batch = torch.randint(0, len(x), (8,))
        loss = F.mse_loss(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"loss": loss.item()}

    def samples(epoch, path):
        path.write_text(f"{model.weight.tolist()}\n")

    progress = fit(TrainingRun(RunDir(root), Distributed(0, 1, torch.device("cpu")), config, "line/training",
                               {"in": 2}, {"model": model, "optimizer": optimizer}, steps_per_epoch=STEPS_PER_EPOCH,
                               images_per_step=8, step=step, samples=samples, plot_keys=("loss",), title="line",
                               stop=lambda progress: progress.epoch == stop_after))
    return progress, model


def log_epochs(root) -> list[int]:
    return [json.loads(line)["epoch"] for line in (root / "log.jsonl").read_text().splitlines()]


def test_a_run_folder_explains_itself(tmp_path):
    progress, _ = line_fit(tmp_path, Config())
    assert (progress.epoch, progress.step) == (3, 3 * STEPS_PER_EPOCH)
    rows = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1, 2, 3] and rows[-1] == progress.row
    assert {"step", "loss", "images_per_s", "seconds", "cpu_seconds"} <= set(rows[0])
    assert json.loads((tmp_path / "training_options.json").read_text())["epochs"] == 3
    assert sorted(p.name for p in tmp_path.glob("checkpoint-*")) == ["checkpoint-epoch0002.pt",
                                                                      "checkpoint-epoch0003.pt"]
    checkpoint = load_checkpoint(tmp_path / "checkpoint-epoch0003.pt", kind="line/training")
    assert checkpoint["meta"]["training"]["config"]["epochs"] == 3  # the one meta layout
    assert checkpoint["state"]["epoch"] == 3 and len(checkpoint["state"]["rng"]) == 1
    assert (tmp_path / "samples" / "epoch0003.png").is_file() and (tmp_path / "progress.png").is_file()


def test_refuses_to_start_over_a_run_with_checkpoints_and_resume_continues_it(tmp_path):
    line_fit(tmp_path, Config(epochs=2))
    log = (tmp_path / "log.jsonl").read_text()
    with pytest.raises(SystemExit) as refused:
        line_fit(tmp_path, Config(epochs=4))
    assert str(tmp_path) in str(refused.value) and "--resume=true" in str(refused.value)
    assert "--run" in str(refused.value)
    assert (tmp_path / "log.jsonl").read_text() == log  # nothing of the first run was touched

    progress, _ = line_fit(tmp_path, Config(epochs=4, resume=True))
    assert (progress.epoch, progress.step) == (4, 4 * STEPS_PER_EPOCH)
    assert log_epochs(tmp_path) == [1, 2, 3, 4]


def test_resume_without_checkpoints_starts_fresh(tmp_path):
    progress, _ = line_fit(tmp_path, Config(epochs=1, resume=True))
    assert progress.epoch == 1 and log_epochs(tmp_path) == [1]


def test_a_run_killed_mid_epoch_resumes_to_the_weights_of_an_unbroken_one(tmp_path):
    config = Config(epochs=4, checkpoint_every=2)
    _, straight = line_fit(tmp_path / "straight", config)
    killed = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):  # in epoch 4: epoch 3 is logged, the last checkpoint is epoch 2's
        line_fit(killed, config, die_at_step=3 * STEPS_PER_EPOCH + 2)
    assert log_epochs(killed) == [1, 2, 3]
    assert [p.name for p in killed.glob("checkpoint-*")] == ["checkpoint-epoch0002.pt"]

    progress, resumed = line_fit(killed, replace(config, resume=True))
    assert (progress.epoch, progress.step) == (4, 4 * STEPS_PER_EPOCH)
    assert log_epochs(killed) == [1, 2, 3, 4]  # epoch 3's row from before the kill is not repeated
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_run_out_of_time_checkpoints_its_last_epoch_and_resumes_from_it(tmp_path):
    config = Config(epochs=4, checkpoint_every=3, sample_every=3)
    progress, _ = line_fit(tmp_path, config, stop_after=2)
    assert progress.epoch == 2 and [p.name for p in tmp_path.glob("checkpoint-*")] == ["checkpoint-epoch0002.pt"]
    assert (tmp_path / "samples" / "epoch0002.png").is_file()
    progress, _ = line_fit(tmp_path, replace(config, resume=True))
    assert progress.epoch == 4 and log_epochs(tmp_path) == [1, 2, 3, 4]


@pytest.mark.parametrize("damage", ["truncated", "bit_flip"])
def test_resume_falls_back_to_the_newest_intact_checkpoint_and_says_so(tmp_path, capsys, damage):
    config = Config(epochs=3, keep_checkpoints=3)
    _, straight = line_fit(tmp_path / "straight", config)
    run = tmp_path / "damaged"
    line_fit(run, replace(config, epochs=2))
    newest = run / "checkpoint-epoch0002.pt"
    if damage == "truncated":
        newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    else:  # a bit-flipped byte inside the weights: torch.load reads it without a word
        weight = load_checkpoint(newest)["state"]["model"]["weight"]
        data = bytearray(newest.read_bytes())
        at = data.find(weight.numpy().tobytes())
        data[at] ^= 0x01
        newest.write_bytes(bytes(data))
    capsys.readouterr()
    progress, resumed = line_fit(run, replace(config, resume=True))
    out = capsys.readouterr().out
    assert "skipping a damaged checkpoint: " in out and str(newest) in out
    assert f"falling back to {run / 'checkpoint-epoch0001.pt'}, the newest intact checkpoint" in out
    assert f"resumed {run / 'checkpoint-epoch0001.pt'} at epoch 1" in out and "Traceback" not in out
    assert (run / "checkpoint-epoch0002.pt.damaged").is_file()  # kept for a look, out of the checkpoints' names
    assert progress.epoch == 3 and log_epochs(run) == [1, 2, 3]
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)  # epoch 2 trained again from epoch 1's state: the same weights


def test_resume_with_no_intact_checkpoint_stops_naming_each(tmp_path):
    line_fit(tmp_path, Config(epochs=2))
    for path in tmp_path.glob("checkpoint-*.pt"):
        path.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit) as stopped:
        line_fit(tmp_path, Config(epochs=3, resume=True))
    message = str(stopped.value)
    assert "no intact checkpoint" in message and "--run" in message
    assert all(str(tmp_path / f"checkpoint-epoch000{e}.pt") in message for e in (1, 2))


def test_the_loop_writes_a_heartbeat_while_it_trains_and_its_end(tmp_path, monkeypatch):
    from deep_learning.common import heartbeat

    monkeypatch.setattr(heartbeat, "INTERVAL_S", 0.0)  # a beat every step, to see them all
    seen = []
    real_beat = heartbeat.Heartbeat.beat

    def beat(self, epoch, step, state="training", force=False):
        real_beat(self, epoch, step, state, force)
        seen.append(json.loads(self.path.read_text()))

    monkeypatch.setattr(heartbeat.Heartbeat, "beat", beat)
    line_fit(tmp_path, Config(epochs=2), stop_after=1)
    assert {record["state"] for record in seen[:-1]} == {"training"} and seen[-1]["state"] == "stopped"
    assert seen[-1]["pid"] == os.getpid() and (seen[-1]["epoch"], seen[-1]["step"]) == (1, STEPS_PER_EPOCH)
    assert [record["step"] for record in seen[1:-1]] == list(range(1, STEPS_PER_EPOCH + 1))  # one a step here
    line_fit(tmp_path, Config(epochs=2, resume=True))
    assert json.loads((tmp_path / heartbeat.NAME).read_text())["state"] == "finished"
    assert not list(tmp_path.glob(".*.tmp"))
