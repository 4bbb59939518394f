"""The epoch skeleton of the GAN training loops (text to image, dcgan, pix2pix, srgan, digits_gan).

A loop builds its models, optimisers and data, then hands `fit` a `TrainingRun`: what a training checkpoint
holds, how many steps an epoch has, and its step function. `fit` owns the rest: resume or a fresh run folder
(refusing a folder that has checkpoints unless --resume=true), the progress bar, the per-epoch means of what
the step logs, images/s, the jsonl log row, sample grids, the progress plot, training checkpoints with every
rank's RNG state (`common/resume.py`) and the DDP barrier. As torchvision's `train_one_epoch`: the loop is
shared, each model's step is its own.
"""

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from deep_learning.common.heartbeat import Heartbeat
from deep_learning.common.resume import Progress, gather_rng, resume_or_start, save_training_checkpoint
from deep_learning.common.training import Distributed, RunDir, plot_progress


def _nothing(*args) -> None:
    pass


def _no_columns(epoch: int) -> dict:
    return {}


def _never(progress: Progress) -> bool:
    return False


@dataclass
class TrainingRun:
    """What one training loop hands `fit`. Read from `config`: epochs, checkpoint_every, keep_checkpoints,
    sample_every and resume; the whole config goes to training_options.json and to every checkpoint."""

    run: RunDir  # <model>/saved/<run>/
    ddp: Distributed
    config: Any  # the loop's Config dataclass
    kind: str  # the training checkpoint's kind, e.g. "dcgan/training"
    model_args: dict  # stored in every training checkpoint
    modules: dict  # state-dict name -> model or optimiser: what a training checkpoint holds
    steps_per_epoch: int  # steps of every process in one epoch
    images_per_step: int  # over all processes: the images/s of the bar and the log
    step: Callable[[int, int], dict]  # (batch in the epoch, optimiser steps counting this one) -> numbers to log
    start_epoch: Callable[[int], None] = _nothing  # every rank, before the steps: train mode, data order, stage
    validate: Callable[[int], dict] = _no_columns  # every rank, after the steps: more log columns
    samples: Callable[[int, Path], None] | None = None  # rank 0: writes the epoch's fixed-noise grid to the path
    end_epoch: Callable[[Progress], None] = _nothing  # rank 0, after the epoch's checkpoint: exports
    on_checkpoint: Callable[[Progress], None] = _nothing  # rank 0, after each training checkpoint: exports
    stop: Callable[[Progress], bool] = _never  # after an epoch: end early (a time budget); that epoch checkpoints
    plot_keys: tuple[str, ...] = ()  # log columns drawn in progress.png
    title: str = ""  # progress.png's title
    checkpoint_epochs: tuple[int, ...] = ()  # epochs that checkpoint besides every checkpoint_every and the last
    options: dict = field(default_factory=dict)  # more training_options.json entries of a fresh run
    decimals: int = 5  # of the log's means

    def checkpoints_at(self, epoch: int) -> bool:
        return (epoch % self.config.checkpoint_every == 0 or epoch == self.config.epochs
                or epoch in self.checkpoint_epochs)


def fit(training: TrainingRun) -> Progress:
    """Trains from where the run folder stands up to `config.epochs`; returns the progress (`row`: the last
    log row of this call, empty when there was nothing left to train)."""
    t, config, ddp, run = training, training.config, training.ddp, training.run
    progress = resume_or_start(run, t.modules, config, ddp, t.kind, **t.options)
    heartbeat = Heartbeat(run.root, enabled=ddp.is_main)  # heartbeat.json: the Runs tab's "training"
    heartbeat.beat(progress.epoch, progress.step, force=True)
    for epoch in range(progress.epoch + 1, config.epochs + 1):
        started = progress.start_epoch()
        t.start_epoch(epoch)  # inside the epoch's clocks: its set-up (an IMLE refresh) counts against a budget
        sums, counts = defaultdict(float), defaultdict(int)
        bar = tqdm(range(t.steps_per_epoch), desc=f"epoch {epoch}/{config.epochs}", disable=not ddp.is_main,
                   leave=False)
        for i in bar:
            progress.step += 1
            values = t.step(i, progress.step)
            heartbeat.beat(progress.epoch, progress.step)
            for key, value in values.items():
                sums[key] += value
                counts[key] += 1
            rate = (i + 1) * t.images_per_step / (time.time() - started)
            bar.set_postfix({key: f"{value:.4g}" for key, value in values.items()} | {"img_s": f"{rate:.0f}"})
        timing = progress.end_epoch(epoch, t.steps_per_epoch * t.images_per_step)
        # every rank averages the same keys in the same order (all_reduce), so the step pattern must match
        means = {key: round(ddp.mean(sums[key] / counts[key]), t.decimals) for key in sorted(sums)}
        progress.row = {"epoch": epoch, "step": progress.step, **means, **t.validate(epoch), **timing}
        stopping = ddp.mean(float(t.stop(progress))) > 0  # one rank out of time stops them all
        rngs = gather_rng(ddp.world_size)  # every rank takes part, even though only rank 0 writes
        if ddp.is_main:
            run.log(progress.row)
            print(" ".join(f"{key}={value}" for key, value in progress.row.items()), flush=True)
            if t.samples is not None and (epoch % config.sample_every == 0 or epoch == config.epochs or stopping):
                t.samples(epoch, run.samples / f"epoch{epoch:04d}.png")
            plot_progress(run.read_log(), list(t.plot_keys), run.root / "progress.png", title=t.title)
            if t.checkpoints_at(epoch) or stopping:
                save_training_checkpoint(run, t.modules, progress, rngs, config, t.kind, t.model_args)
                t.on_checkpoint(progress)
            t.end_epoch(progress)
        ddp.barrier()
        if stopping:
            break
    heartbeat.end(progress.epoch, progress.step, finished=progress.epoch >= config.epochs)
    return progress
