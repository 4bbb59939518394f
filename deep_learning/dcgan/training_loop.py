"""Trains seed 002's DCGAN: `python deep_learning/dcgan/training_loop.py [--config=baseline] [--key=value ...]`.

Default data: the 32 px emoji training images (held-out concepts stay out, for the evaluation);
`--data=<folder>` trains on any image folder instead (CompCars-style: every image below it,
centre-cropped). `--resume=true` continues the run from its latest checkpoint, with the same data order
and noise. Under `torchrun --nproc_per_node=2` each process trains on its shard of every batch.
Writes `saved/<run>/`: training_options.json, log.jsonl, checkpoint-epochNNNN.pt, samples/, progress.png,
and at the end `dcgan.pt`, the inference checkpoint (EMA generator) that evaluate.py scores and ships.
"""

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import torch.nn.functional as F

from deep_learning.common.checkpoint import save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.image_split import load_image_split
from deep_learning.common.device import autocast, bf16_is_fast
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.paths import model_dir
from deep_learning.common.training import EMA, RunDir, epoch_order, start_process
from deep_learning.dcgan.models import KIND, Discriminator, Generator, init_weights

TRAINING_KIND = "dcgan/training"


@dataclass
class Config:
    config: str = "baseline"  # the preset this run started from
    data: str = "emoji"  # "emoji" or a folder of images (CompCars-style), centre-cropped to image_size
    image_size: int = 32  # 32 (the seed's) or 64: one more up/down-sampling stage
    z_dim: int = 100  # noise length
    g_dense_channels: int = 256  # the dense layer's 4x4 feature maps
    g_channels: int = 128  # channels of every transposed-convolution stage
    d_channels: tuple[int, ...] = (64, 128, 128, 256)  # discriminator: 3x3 stem, then one per stride-2 stage
    d_dropout: float = 0.4  # dropout before the discriminator's logit
    epochs: int = 16  # passes over the training images
    batch_size: int = 64  # images per step, over all processes
    lr_g: float = 2e-4  # Adam learning rates, the seed's 0.0002 ...
    lr_d: float = 2e-4
    beta1: float = 0.5  # ... and beta_1 = 0.5
    real_label: float = 0.9  # one-sided label smoothing (the seed's "future work"); 1.0 turns it off
    flip: bool = True  # random horizontal flips of training images
    ema_decay: float = 0.995  # EMA of the generator's weights (warmed up over the first steps)
    bf16: bool = field(default_factory=bf16_is_fast)  # bfloat16 autocast; default: where it is faster (bf16_is_fast)
    channels_last: bool = True  # memory format for the convolutions (faster on CPU with bf16)
    threads: int = 0  # torch.set_num_threads per process; 0 keeps torch's default
    checkpoint_every: int = 2  # epochs between training checkpoints (the last epoch always saves)
    keep_checkpoints: int = 2  # newest training checkpoints kept in the run folder
    sample_every: int = 1  # epochs between sample grids
    limit: int = 0  # use only the first N training images (tests); 0 = all
    run: str = ""  # run folder name under deep_learning/dcgan/saved/; default: the preset's name
    resume: bool = False  # continue from the run folder's latest checkpoint
    seed: int = 0
    device: str = "auto"  # auto, cpu or cuda


PRESETS = {
    "baseline": {},  # seed 002's architecture and optimiser at 32 px
    "tiny": {"g_dense_channels": 16, "g_channels": 8, "d_channels": (8, 8, 8, 16), "z_dim": 8, "epochs": 2,
             "batch_size": 8, "checkpoint_every": 1, "bf16": False, "threads": 1},  # tests: seconds on a CPU
}


def build_models(config: Config) -> tuple[Generator, Discriminator, dict]:
    model_args = {"z_dim": config.z_dim, "image_size": config.image_size,
                  "dense_channels": config.g_dense_channels, "channels": config.g_channels}
    generator = Generator(**model_args)
    discriminator = Discriminator(config.image_size, config.d_channels, config.d_dropout)
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    return generator, discriminator, model_args


@torch.no_grad()
def recalibrate_batchnorm(generator: Generator, device, batches: int = 16, batch_size: int = 64,
                          seed: int = 12345) -> Generator:
    """BatchNorm statistics for the EMA weights: EMA copies the live generator's running statistics,
    which belong to other weights. Averages batch statistics over fresh noise instead (in place)."""
    norms = [m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    noise = torch.Generator().manual_seed(seed)
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average
    generator.train()
    for _ in range(batches):
        generator(torch.randn(batch_size, generator.z_dim, generator=noise).to(device))
    for norm in norms:
        norm.momentum = 0.1
    return generator.eval()


def train_step(g_train, d_train, discriminator: Discriminator, opt_g, opt_d, real: torch.Tensor,
               noise: torch.Tensor, config: Config) -> dict:
    """One discriminator and one generator update (`g_train`, `d_train`: the models or their DDP wrappers);
    returns the logged values. Also what deep_learning/benchmark_training.py times."""
    with autocast(real.device, config.bf16):
        fake = g_train(noise)
        # the discriminator sees real and fake batches apart (seed 002: BatchNorm mixes them otherwise)
        opt_d.zero_grad(set_to_none=True)
        logits_real = d_train(real).float()
        targets = torch.full_like(logits_real, config.real_label)
        loss_real = F.binary_cross_entropy_with_logits(logits_real, targets)
        loss_real.backward()
        logits_fake = d_train(fake.detach()).float()
        loss_fake = F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
        loss_fake.backward()
        opt_d.step()
        # the generator step goes through the plain discriminator: its gradients are not wanted
        opt_g.zero_grad(set_to_none=True)
        logits_g = discriminator(fake).float()
        loss_g = F.binary_cross_entropy_with_logits(logits_g, torch.ones_like(logits_g))
        loss_g.backward()
        opt_g.step()
    return {"loss_d": (loss_real + loss_fake).item(), "loss_g": loss_g.item(),
            "d_real": torch.sigmoid(logits_real).mean().item(), "d_fake": torch.sigmoid(logits_fake).mean().item()}


def train(config: Config) -> Path:
    """Trains and returns the run folder; `<run>/dcgan.pt` holds the inference checkpoint."""
    ddp = start_process(config)
    device = ddp.device
    run = RunDir(model_dir("dcgan") / "saved" / (config.run or config.config))
    train_images, _ = load_image_split(config.data, config.image_size, config.seed)
    real_all = torch.as_tensor(train_images[: config.limit or None])
    steps_per_epoch = len(real_all) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"{len(real_all)} training images are fewer than one batch of {config.batch_size}")
    fmt = torch.channels_last if config.channels_last else torch.contiguous_format

    generator, discriminator, model_args = build_models(config)
    generator.to(device, memory_format=fmt)
    discriminator.to(device, memory_format=fmt)
    ema = EMA(generator, config.ema_decay)
    opt_g = torch.optim.Adam(generator.parameters(), config.lr_g, betas=(config.beta1, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), config.lr_d, betas=(config.beta1, 0.999))
    g_train, d_train = ddp.wrap(generator), ddp.wrap(discriminator)
    fixed_noise = torch.randn(64, config.z_dim, generator=torch.Generator().manual_seed(config.seed)).to(device)
    local_batch = max(1, config.batch_size // ddp.world_size)
    order = torch.arange(len(real_all))  # the epoch's data order

    def start_epoch(epoch: int) -> None:
        nonlocal order
        generator.train()
        discriminator.train()
        order = epoch_order(len(real_all), epoch, config.seed)

    def step(i: int, steps: int) -> dict:
        rows = order[i * config.batch_size : (i + 1) * config.batch_size][ddp.rank :: ddp.world_size]
        real = from_uint8(real_all[rows])
        if config.flip:
            real = torch.where(torch.rand(len(real), 1, 1, 1) < 0.5, real.flip(-1), real)
        real = real.to(device, memory_format=fmt)
        noise = torch.randn(local_batch, config.z_dim).to(device)
        values = train_step(g_train, d_train, discriminator, opt_g, opt_d, real, noise, config)
        ema.update(generator, steps)
        return values

    def samples(epoch: int, path: Path) -> None:
        sampler = recalibrate_batchnorm(copy.deepcopy(ema.model), device)
        with torch.no_grad():
            save_grid(sampler(fixed_noise).float(), path, nrow=8, scale=2)

    progress = fit(TrainingRun(
        run, ddp, config, TRAINING_KIND, model_args, steps_per_epoch=steps_per_epoch,
        images_per_step=config.batch_size, step=step, start_epoch=start_epoch, samples=samples,
        modules={"generator": generator, "discriminator": discriminator, "ema": ema.model, "optimizer_g": opt_g,
                 "optimizer_d": opt_d},  # what a training checkpoint holds
        plot_keys=("loss_d", "loss_g", "d_real", "d_fake"), title=f"DCGAN {run.root.name}",
        options={"train_images": len(real_all)}))
    if ddp.is_main:
        export_generator(run, ema.model, model_args, config, progress.step, (progress.seconds, progress.cpu_seconds),
                         len(real_all), ddp.world_size, device)
    ddp.close()
    return run.root


def export_generator(run: RunDir, ema_generator: Generator, model_args: dict, config: Config, steps: int,
                     seconds: tuple[float, float], images: int, world_size: int, device) -> Path:
    """The inference checkpoint: the EMA generator (BatchNorm recalibrated), float16, with its story (the
    server's title and description are backend/registry.py's). `seconds`: (wall-clock, this process's CPU)."""
    generator = recalibrate_batchnorm(copy.deepcopy(ema_generator), device).cpu()
    data = "emoji (training concepts)" if config.data == "emoji" else f"image folder {Path(config.data).name}"
    meta = {
        "image_size": config.image_size,
        "training": {"data": data, "images": images, "epochs": config.epochs, "steps": steps,
                     "seconds": round(seconds[0], 1), "cpu_seconds": round(seconds[1], 1),
                     "processes": world_size, "device": str(device),
                     "config": config_to_dict(config)},
        "metrics": {"rows": [], "notes": "not evaluated yet: run deep_learning/dcgan/evaluate.py"},
    }
    return save_checkpoint(run.root / "dcgan.pt", kind=KIND, model_args=model_args,
                           state={"generator": generator.state_dict()}, meta=meta, half=True)


if __name__ == "__main__":
    train(parse_config(Config, presets=PRESETS, description=__doc__.splitlines()[0]))
