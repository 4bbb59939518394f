"""Trains Pix2Pix, sketch -> colour image: `python deep_learning/pix2pix/training_loop.py [--key=value ...]`.

Pairs: `sketch_from_image(emoji)` -> the 64 px emoji, for the training concepts (held-out concepts stay
out for the evaluation); `--data=<folder>` builds the pairs from any image folder instead. Loss: the
PatchGAN's adversarial loss + lambda (100) * L1, as in the paper. `--resume=true` continues from the latest
checkpoint with the same data order; `torchrun --nproc_per_node=2` splits every batch between processes.
Writes `saved/<run>/`: options, log.jsonl, checkpoints, samples/ (rows: sketch, Pix2Pix, original),
progress.png, and at the end `pix2pix.pt`, the inference checkpoint that evaluate.py scores and ships.
"""

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
import torch.nn.functional as F

from deep_learning.common.checkpoint import save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.device import autocast, bf16_is_fast
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.paths import model_dir
from deep_learning.common.training import RunDir, epoch_order, start_process
from deep_learning.dcgan.models import init_weights  # the pix2pix paper initialises as DCGAN does
from deep_learning.pix2pix.models import KIND, PatchDiscriminator, UNetGenerator
from deep_learning.pix2pix.sketch import sketches_of

TRAINING_KIND = "pix2pix/training"
EXAMPLES = 32  # held-out images stored in the shipped checkpoint for the "example" button


@dataclass
class Config:
    config: str = "emoji64"  # the preset this run started from
    data: str = "emoji"  # "emoji" or a folder of images, centre-cropped to image_size
    image_size: int = 64  # sketch and image size (a power of two)
    channels: int = 32  # U-Net width of the outermost stage, doubling inwards ...
    max_channels: int = 128  # ... up to this
    dropout: float = 0.5  # in the innermost decoder stages, while training (pix2pix's noise)
    d_channels: int = 32  # PatchGAN width of the first stage
    d_layers: int = 2  # PatchGAN depth: 2 gives ~34 px patches on 64 px images
    epochs: int = 14  # passes over the training pairs
    batch_size: int = 16  # pairs per step, over all processes
    lr: float = 2e-4  # Adam, both networks (the paper's)
    beta1: float = 0.5
    l1_weight: float = 100.0  # lambda: L1 against the original vs. the adversarial loss (the paper's 100)
    flip: bool = True  # random horizontal flips of both images
    thicken: float = 0.2  # chance of thickening a training sketch's strokes by 1 px (canvas pens vary)
    bf16: bool = field(default_factory=bf16_is_fast)  # bfloat16 autocast; default: where it is faster (bf16_is_fast)
    channels_last: bool = True
    threads: int = 0  # torch.set_num_threads per process; 0 keeps torch's default
    checkpoint_every: int = 2  # epochs between training checkpoints (the last epoch always saves)
    keep_checkpoints: int = 2
    sample_every: int = 1  # epochs between sample grids
    val_images: int = 128  # held-out pairs for the per-epoch L1 in the log
    limit: int = 0  # use only the first N training pairs (tests); 0 = all
    run: str = ""  # run folder under deep_learning/pix2pix/saved/; default: the preset's name
    resume: bool = False
    seed: int = 0
    device: str = "auto"  # auto, cpu or cuda


PRESETS = {
    "emoji64": {},  # 64 px emoji sketches
    "tiny": {"image_size": 16, "channels": 4, "max_channels": 8, "d_channels": 4, "epochs": 2, "batch_size": 4,
             "checkpoint_every": 1, "val_images": 4, "bf16": False, "threads": 1},  # tests: seconds on a CPU
}


def thicken(sketch: torch.Tensor) -> torch.Tensor:
    """Strokes (-1) one pixel wider: a min-filter."""
    return -F.max_pool2d(-sketch, 3, stride=1, padding=1)


def build_models(config: Config) -> tuple[UNetGenerator, PatchDiscriminator, dict]:
    model_args = {"image_size": config.image_size, "channels": config.channels,
                  "max_channels": config.max_channels, "dropout": config.dropout}
    generator = UNetGenerator(**model_args)
    discriminator = PatchDiscriminator(channels=config.d_channels, layers=config.d_layers)
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    return generator, discriminator, model_args


def train_step(g_train, d_train, discriminator: PatchDiscriminator, opt_g, opt_d, sketch: torch.Tensor,
               image: torch.Tensor, config: Config) -> dict:
    """One discriminator and one generator update (`g_train`, `d_train`: the models or their DDP wrappers);
    returns the logged values. Also what deep_learning/benchmark_training.py times."""
    with autocast(sketch.device, config.bf16):
        fake = g_train(sketch)
        opt_d.zero_grad(set_to_none=True)
        logits_real = d_train(sketch, image).float()
        logits_fake = d_train(sketch, fake.detach()).float()
        loss_d = 0.5 * (F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
                        + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake)))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)  # through the plain discriminator: its gradients are not wanted
        logits_g = discriminator(sketch, fake).float()
        loss_adv = F.binary_cross_entropy_with_logits(logits_g, torch.ones_like(logits_g))
        loss_l1 = (fake.float() - image).abs().mean()
        (loss_adv + config.l1_weight * loss_l1).backward()
        opt_g.step()
    return {"loss_d": loss_d.item(), "loss_g_adv": loss_adv.item(), "loss_l1": loss_l1.item()}


def train(config: Config) -> Path:
    """Trains and returns the run folder; `<run>/pix2pix.pt` holds the inference checkpoint."""
    ddp = start_process(config)
    device = ddp.device
    run = RunDir(model_dir("pix2pix") / "saved" / (config.run or config.config))
    train_images, test_images = load_image_split(config.data, config.image_size, config.seed)
    train_images = train_images[: config.limit or None]
    images_all, sketches_all = torch.as_tensor(train_images), sketches_of(train_images)
    steps_per_epoch = len(images_all) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"{len(images_all)} training pairs are fewer than one batch of {config.batch_size}")
    val_images = from_uint8(test_images[: config.val_images]).to(device)
    val_sketches = sketches_of(test_images[: config.val_images]).to(device)
    fmt = torch.channels_last if config.channels_last else torch.contiguous_format

    generator, discriminator, model_args = build_models(config)
    generator.to(device, memory_format=fmt)
    discriminator.to(device, memory_format=fmt)
    opt_g = torch.optim.Adam(generator.parameters(), config.lr, betas=(config.beta1, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), config.lr, betas=(config.beta1, 0.999))
    g_train, d_train = ddp.wrap(generator), ddp.wrap(discriminator)
    order, val_output = torch.arange(len(images_all)), val_images  # the epoch's data order, held-out outputs

    def start_epoch(epoch: int) -> None:
        nonlocal order
        generator.train()
        discriminator.train()
        order = epoch_order(len(images_all), epoch, config.seed)

    def step(i: int, steps: int) -> dict:
        rows = order[i * config.batch_size : (i + 1) * config.batch_size][ddp.rank :: ddp.world_size]
        image, sketch = from_uint8(images_all[rows]), sketches_all[rows]
        if config.flip:
            flip = torch.rand(len(rows), 1, 1, 1) < 0.5
            image, sketch = torch.where(flip, image.flip(-1), image), torch.where(flip, sketch.flip(-1), sketch)
        if config.thicken:
            sketch = torch.where(torch.rand(len(rows), 1, 1, 1) < config.thicken, thicken(sketch), sketch)
        image, sketch = image.to(device, memory_format=fmt), sketch.to(device, memory_format=fmt)
        return train_step(g_train, d_train, discriminator, opt_g, opt_d, sketch, image, config)

    @torch.no_grad()
    def validate(epoch: int) -> dict:
        nonlocal val_output
        generator.eval()
        val_output = generator(val_sketches).float()
        return {"val_l1": round(float((val_output - val_images).abs().mean()) / 2, 5)}

    def samples(epoch: int, path: Path) -> None:  # rows: sketch, Pix2Pix, original
        grid = torch.cat([val_sketches[:8].expand(-1, 3, -1, -1), val_output[:8], val_images[:8]])
        save_grid(grid.cpu(), path, nrow=min(8, len(val_images)), scale=2)

    progress = fit(TrainingRun(
        run, ddp, config, TRAINING_KIND, model_args, steps_per_epoch=steps_per_epoch,
        images_per_step=config.batch_size, step=step, start_epoch=start_epoch, validate=validate, samples=samples,
        modules={"generator": generator, "discriminator": discriminator, "optimizer_g": opt_g, "optimizer_d": opt_d},
        plot_keys=("loss_d", "loss_g_adv", "loss_l1", "val_l1"), title=f"Pix2Pix {run.root.name}",
        options={"train_pairs": len(images_all)}))
    if ddp.is_main:
        export_generator(run.root / "pix2pix.pt", generator, model_args, config, progress.step,
                         (progress.seconds, progress.cpu_seconds), len(images_all), test_images[:EXAMPLES], device)
    ddp.close()
    return run.root


def export_generator(path: Path, generator: UNetGenerator, model_args: dict, config: Config, steps: int,
                     seconds: tuple[float, float], pairs: int, examples: np.ndarray, device) -> Path:
    """The inference checkpoint: the generator (eval-mode BatchNorm statistics) in float16, held-out
    examples for the "example" button, and its story (the server's title and description are
    backend/registry.py's). `seconds`: (wall-clock, this process's CPU)."""
    data = "emoji (training concepts)" if config.data == "emoji" else f"image folder {Path(config.data).name}"
    meta = {
        "image_size": config.image_size,
        "training": {"data": data, "pairs": pairs, "epochs": config.epochs, "steps": steps,
                     "seconds": round(seconds[0], 1), "cpu_seconds": round(seconds[1], 1), "device": str(device),
                     "config": config_to_dict(config)},
        "metrics": {"rows": [], "notes": "not evaluated yet: run deep_learning/pix2pix/evaluate.py"},
    }
    state = {"generator": copy.deepcopy(generator).cpu().state_dict(), "examples": torch.as_tensor(examples)}
    return save_checkpoint(path, kind=KIND, model_args=model_args, state=state, meta=meta, half=True)


if __name__ == "__main__":
    train(parse_config(Config, presets=PRESETS, description=__doc__.splitlines()[0]))
