"""Run plumbing shared by every training loop: run folders, jsonl logs, progress plots, EMA,
RNG state for exact resumes, DistributedDataParallel set-up (gloo on CPU, nccl on CUDA), data order."""

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from deep_learning.common.device import choose_device, seed_everything

CHECKPOINT_PATTERN = re.compile(r"checkpoint-epoch(\d+)\.pt$")


class RunDir:
    """`<model>/saved/<run>/`: options, a jsonl log, checkpoints with the epoch in the name, samples, plots."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.samples = self.root / "samples"

    def create(self) -> "RunDir":
        """Makes the folder; removes half-written files that a run killed while saving left behind."""
        self.samples.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob(".*.tmp"):
            leftover.unlink()
        return self

    def checkpoint_path(self, epoch: int) -> Path:
        return self.root / f"checkpoint-epoch{epoch:04d}.pt"

    def latest_checkpoint(self) -> Path | None:
        found = [(int(m.group(1)), p) for p in self.root.glob("checkpoint-epoch*.pt")
                 if (m := CHECKPOINT_PATTERN.search(p.name))]
        return max(found)[1] if found else None

    def prune_checkpoints(self, keep: int) -> None:
        found = sorted(p for p in self.root.glob("checkpoint-epoch*.pt") if CHECKPOINT_PATTERN.search(p.name))
        for path in found[:-keep] if keep > 0 else []:
            path.unlink()

    def write_options(self, options: dict) -> None:
        (self.root / "training_options.json").write_text(json.dumps(options, indent=2) + "\n")

    def log(self, row: dict) -> None:
        with open(self.root / "log.jsonl", "a") as handle:
            handle.write(json.dumps(row) + "\n")

    def read_log(self) -> list[dict]:
        path = self.root / "log.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line] if path.is_file() else []

    def truncate_log(self, after_epoch: int) -> None:
        """On resume: drop rows a killed run logged after its last checkpoint, so the log has no repeats."""
        rows = [row for row in self.read_log() if row.get("epoch", 0) <= after_epoch]
        (self.root / "log.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))


def plot_progress(rows: list[dict], keys: list[str], path: Path, title: str = "") -> Path:
    """One panel per metric over epochs, the seed's progress report as a picture."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [key for key in keys if any(key in row for row in rows)]
    fig, axes = plt.subplots(1, max(len(keys), 1), figsize=(4 * max(len(keys), 1), 3), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=False):
        points = [(row["epoch"], row[key]) for row in rows if key in row]
        ax.plot(*zip(*points, strict=True), marker=".")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


class EMA:
    """Exponential moving average of a generator's weights; samples and shipped weights come from it."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int | None = None) -> None:
        """With `step`, the decay ramps up as (1 + step) / (10 + step): early samples are not all init."""
        decay = self.decay if step is None else min(self.decay, (1 + step) / (10 + step))
        for ema_p, p in zip(self.model.parameters(), model.parameters(), strict=True):
            ema_p.lerp_(p.detach(), 1 - decay)
        for ema_b, b in zip(self.model.buffers(), model.buffers(), strict=True):
            ema_b.copy_(b)


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass
class Distributed:
    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: nn.Module) -> nn.Module:
        if self.world_size == 1:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)

    def mean(self, value: float) -> float:
        """The average of a number over all processes (for logging)."""
        if self.world_size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return float(tensor) / self.world_size

    def agree(self, flag: bool) -> bool:
        """Rank 0's value of a flag on every rank: a choice made by measurement (`bf16_is_fast`) may come out
        differently in two processes, and ranks that train in different precisions drift apart."""
        if self.world_size == 1:
            return flag
        tensor = torch.tensor([int(flag)], device=self.device)
        dist.broadcast(tensor, src=0)
        return bool(tensor.item())

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def close(self) -> None:
        if self.world_size > 1 and dist.is_initialized():
            dist.destroy_process_group()


def setup_distributed(device_name: str) -> Distributed:
    """Under `torchrun` (WORLD_SIZE > 1) joins the process group; otherwise a single process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed(0, 1, choose_device(device_name))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device = choose_device(device_name)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cpu":  # two processes on two cores: one thread each, not two fighting for both
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", world_size))))
    return Distributed(rank, world_size, device)


def start_process(config) -> Distributed:
    """The first lines of a training loop: joins the process group (under torchrun), sets `config.threads`
    (0 keeps torch's default), takes rank 0's `config.bf16` and seeds this process with `config.seed + rank`."""
    ddp = setup_distributed(config.device)
    if config.threads:
        torch.set_num_threads(config.threads)
    config.bf16 = ddp.agree(config.bf16)
    seed_everything(config.seed + ddp.rank)
    return ddp


def epoch_order(n: int, epoch: int, seed: int) -> torch.Tensor:
    """The data order of one epoch, a function of (seed, epoch) alone: identical after a resume."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))

