"""How a training run continues: what its training checkpoints hold (named state dicts, the progress
counters, every rank's RNG state), and the resume-or-start that reads them back. The one resume format of
the loops on `common/loop.py` (text to image, dcgan, pix2pix, srgan, digits_gan).

A resume takes the newest checkpoint that loads whole (its SHA-256 checked, `common/checkpoint.py`): a damaged
newer one (a disk error, a truncated copy) is named, moved aside as `<name>.damaged` and skipped, and the run
says which one it continues from. No checkpoint intact: the run stops with one line per file, no traceback.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch.distributed as dist

from deep_learning.common.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from deep_learning.common.config import config_to_dict
from deep_learning.common.training import CHECKPOINT_PATTERN, Distributed, RunDir, rng_state, set_rng_state


def gather_rng(world_size: int) -> list[dict]:
    """Every process's RNG state (rank order), so a resumed DDP run draws the same noise on each rank.
    Every rank must call it, even when only rank 0 writes the checkpoint."""
    if world_size == 1:
        return [rng_state()]
    states = [None] * world_size
    dist.all_gather_object(states, rng_state())
    return states


@dataclass
class Progress:
    """Where a run stands; a training checkpoint's state carries these four counters at its top level."""

    epoch: int = 0  # the last finished epoch
    step: int = 0  # optimiser steps so far
    seconds: float = 0.0  # wall-clock training time over all epochs, resumes included
    cpu_seconds: float = 0.0  # this process's CPU time: honest on a machine shared with other jobs
    _clocks: tuple[float, float] = field(default=(0.0, 0.0), repr=False, compare=False)
    row: dict = field(default_factory=dict, repr=False, compare=False)  # the last epoch's log row, this process's

    def start_epoch(self) -> float:
        """Starts the epoch's clocks; returns its wall-clock start (for the progress bar's rate)."""
        self._clocks = (time.time(), time.process_time())
        return self._clocks[0]

    def end_epoch(self, epoch: int, images: int) -> dict:
        """Adds the epoch's time to the totals; returns the log row's closing columns."""
        elapsed = time.time() - self._clocks[0]
        self.epoch, self.seconds = epoch, self.seconds + elapsed
        self.cpu_seconds += time.process_time() - self._clocks[1]
        return {"images_per_s": round(images / elapsed, 1), "seconds": round(self.seconds, 1),
                "cpu_seconds": round(self.cpu_seconds, 1)}


def refuse_to_overwrite(run: RunDir, resume: bool) -> Path | None:
    """The run folder's latest checkpoint, to continue from with `resume`; without it a folder that has
    checkpoints stops the run (SystemExit): a fresh start there would mix two runs in one log."""
    latest = run.latest_checkpoint()
    if latest is not None and not resume:
        raise SystemExit(f"{run.root} already has checkpoints ({latest.name}): pass --resume=true to continue "
                         f"that run, or another --run for a new one")
    return latest if resume else None


def checkpoints_newest_first(run: RunDir) -> list[Path]:
    found = [(int(m.group(1)), path) for path in run.root.glob("checkpoint-epoch*.pt")
             if (m := CHECKPOINT_PATTERN.search(path.name))]
    return [path for _, path in sorted(found, reverse=True)]


def _resumable_state(path: Path, kind: str, device) -> dict:
    state = load_checkpoint(path, kind=kind, map_location=device)["state"]
    if "epoch" not in state or "rng" not in state:
        raise CheckpointError(f"{path} is a training checkpoint of an older layout, which this code does not resume")
    return state


def newest_intact(run: RunDir, kind: str, device, say=print) -> tuple[Path, dict, list[Path]]:
    """The newest checkpoint of the run folder that loads whole, its state and the newer ones skipped as
    damaged (each said with `say`). None intact is a SystemExit that names every file and what failed."""
    damaged, errors = [], []
    for path in checkpoints_newest_first(run):
        try:
            state = _resumable_state(path, kind, device)
        except CheckpointError as error:
            say(f"skipping a damaged checkpoint: {error}")
            damaged.append(path)
            errors.append(str(error))
            continue
        if damaged:
            say(f"falling back to {path}, the newest intact checkpoint ({len(damaged)} newer one"
                f"{'s' if len(damaged) > 1 else ''} damaged)")
        return path, state, damaged
    raise SystemExit(f"{run.root}: no intact checkpoint to resume from:\n" + "\n".join(f"  {e}" for e in errors)
                     + "\nstart another --run")


def resume_or_start(run: RunDir, modules: dict, config, ddp: Distributed, kind: str, **options) -> Progress:
    """With `config.resume` and a checkpoint in the run folder: loads `modules` (state-dict name -> model or
    optimiser) from the newest intact one (`newest_intact`), restores this rank's RNG state and drops the log
    rows a killed run wrote after it. A folder with checkpoints and no `config.resume` is refused
    (`refuse_to_overwrite`). Otherwise a fresh run folder: training_options.json (the config, world size and
    `options`) and an empty log. Returns the progress to continue from; every rank waits for rank 0's folder."""
    latest = refuse_to_overwrite(run, config.resume)
    progress = Progress()
    if latest is not None:
        say = print if ddp.is_main else _quiet
        path, state, damaged = newest_intact(run, kind, ddp.device, say)
        for name, module in modules.items():
            module.load_state_dict(state[name])
        progress = Progress(int(state["epoch"]), int(state["step"]), float(state["seconds"]),
                            float(state.get("cpu_seconds", 0.0)))
        rngs = state["rng"]  # one per rank; a run resumed on another number of processes takes rank 0's
        set_rng_state(rngs[ddp.rank] if len(rngs) == ddp.world_size else rngs[0])
        if ddp.is_main:
            run.create()  # drops the half-written files of a kill during a save
            _move_aside(damaged)
            run.truncate_log(progress.epoch)
            print(f"resumed {path} at epoch {progress.epoch}, step {progress.step}", flush=True)
    elif ddp.is_main:
        run.create()
        run.write_options({**config_to_dict(config), "world_size": ddp.world_size, **options})
        (run.root / "log.jsonl").write_text("")
    ddp.barrier()
    return progress


def _quiet(message: str) -> None:
    pass


def _move_aside(damaged: list[Path]) -> None:
    """Damaged checkpoints newer than the one resumed leave the checkpoint names: pruning by name would
    otherwise keep them and delete intact ones."""
    for path in damaged:
        path.replace(path.with_name(path.name + ".damaged"))
        print(f"moved {path.name} aside as {path.name}.damaged", flush=True)


def save_training_checkpoint(run: RunDir, modules: dict, progress: Progress, rngs: list[dict], config, kind: str,
                             model_args: dict) -> Path:
    """`checkpoint-epochNNNN.pt`: the state dicts of `modules`, the progress counters and every rank's RNG
    state (from `gather_rng`), what `resume_or_start` reads; keeps the newest `config.keep_checkpoints`."""
    state = {name: module.state_dict() for name, module in modules.items()}
    state |= {"epoch": progress.epoch, "step": progress.step, "seconds": progress.seconds,
              "cpu_seconds": progress.cpu_seconds, "rng": rngs}
    path = save_checkpoint(run.checkpoint_path(progress.epoch), kind=kind, model_args=model_args, state=state,
                           meta={"training": {"config": config_to_dict(config)}})
    run.prune_checkpoints(config.keep_checkpoints)
    return path
