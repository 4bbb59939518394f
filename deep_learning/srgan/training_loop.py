"""Trains the 4x SRGAN: `python deep_learning/srgan/training_loop.py [--config=emoji64] [--key=value ...]`.

Pairs: 64 px emoji of the training concepts and their bicubic 16 px reductions (`data.downscale`);
`--data=<folder>` takes any image folder instead. Training uses aligned random crops (`crop` px of the
high-resolution image, crop/4 of the low): the generator is fully convolutional, so it runs on whole
images afterwards. As in the paper, the first `pretrain_epochs` train a pixel loss alone (SRResNet,
here L1), then the perceptual loss (feature L1 in our emoji classifier, `perceptual.py`) and the
discriminator join (SRGAN). `--resume=true` continues from the latest checkpoint with the same data order;
`torchrun --nproc_per_node=2` splits every batch between the processes.
Writes `saved/<run>/`: options, log.jsonl, checkpoints, samples/ (rows: low-res, bicubic, SRGAN,
original), progress.png, `srresnet.pt` after pretraining and `srgan.pt` at the end (EMA generators).
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
from deep_learning.common.images import from_uint8, save_grid, to_uint8
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.metrics.scores import psnr
from deep_learning.common.paths import model_dir
from deep_learning.common.resume import Progress
from deep_learning.common.training import EMA, RunDir, epoch_order, start_process
from deep_learning.srgan.data import low_res_batch
from deep_learning.srgan.models import KIND, Discriminator, Generator
from deep_learning.srgan.perceptual import DEFAULT_NETWORK, ClassifierFeatureLoss

TRAINING_KIND = "srgan/training"
EXAMPLES = 32  # held-out images stored in the shipped checkpoint for the "example" button


@dataclass
class Config:
    config: str = "emoji64"  # the preset this run started from
    data: str = "emoji"  # "emoji" or a folder of images, centre-cropped to hr_size
    hr_size: int = 64  # high-resolution image size; low resolution is hr_size / scale
    scale: int = 4  # upscaling factor (2, 4 or 8)
    crop: int = 32  # high-resolution training crop (a multiple of scale); 0 = whole images
    channels: int = 32  # generator width
    blocks: int = 6  # generator residual blocks
    d_channels: tuple[int, ...] = (32, 64, 128, 128)  # discriminator width per stride-2 stage
    epochs: int = 24  # passes over the training images, pretraining included
    pretrain_epochs: int = 6  # content loss only (SRResNet) before the discriminator joins
    batch_size: int = 32  # images per step, over all processes
    lr_g: float = 2e-4  # Adam learning rates
    lr_d: float = 2e-4
    beta1: float = 0.5
    l1_weight: float = 1.0  # pixel L1
    perceptual_weight: float = 1.0  # classifier-feature L1 in the GAN stage; 0 = no perceptual network needed
    perceptual_network: str = str(DEFAULT_NETWORK)  # classifier checkpoint for the perceptual loss
    adversarial_weight: float = 1e-2  # non-saturating GAN loss, after pretraining
    flip: bool = True  # random horizontal flips
    ema_decay: float = 0.998  # EMA of the generator's weights (warmed up over the first steps)
    bf16: bool = field(default_factory=bf16_is_fast)  # bfloat16 autocast; default: where it is faster (bf16_is_fast)
    channels_last: bool = True
    threads: int = 0  # torch.set_num_threads per process; 0 keeps torch's default
    checkpoint_every: int = 2  # epochs between training checkpoints (the last epoch always saves)
    keep_checkpoints: int = 2
    sample_every: int = 1  # epochs between sample grids
    val_images: int = 128  # held-out images for the per-epoch PSNR in the log
    limit: int = 0  # use only the first N training images (tests); 0 = all
    run: str = ""  # run folder under deep_learning/srgan/saved/; default: the preset's name
    resume: bool = False
    seed: int = 0
    device: str = "auto"  # auto, cpu or cuda


PRESETS = {
    "emoji64": {},  # 16 -> 64 px emoji
    "tiny": {"hr_size": 16, "crop": 8, "channels": 8, "blocks": 1, "d_channels": (8, 8), "epochs": 3,
             "pretrain_epochs": 1, "batch_size": 4, "checkpoint_every": 1, "perceptual_weight": 0.0,
             "val_images": 4, "bf16": False, "threads": 1},  # tests: seconds on a CPU
}


def model_args_of(config: Config) -> dict:
    return {"channels": config.channels, "blocks": config.blocks, "scale": config.scale}


def random_crops(high: torch.Tensor, low: torch.Tensor, crop: int, scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Aligned crops: crop/scale px of each low-resolution image and the crop px it came from."""
    if crop == 0 or crop == high.shape[-1]:
        return high, low
    small = crop // scale
    offsets = torch.randint(0, low.shape[-1] - small + 1, (len(low), 2)).tolist()
    low_crops = [lo[:, y : y + small, x : x + small] for lo, (y, x) in zip(low, offsets, strict=True)]
    high_crops = [hi[:, y * scale : (y + small) * scale, x * scale : (x + small) * scale]
                  for hi, (y, x) in zip(high, offsets, strict=True)]
    return torch.stack(high_crops), torch.stack(low_crops)


def mean_psnr(output: torch.Tensor, target: torch.Tensor) -> float:
    """Mean PSNR in dB over images, on [-1, 1] tensors rounded to 8 bits (as the evaluation scores them)."""
    return float(psnr(to_uint8(output), to_uint8(target), data_range=255.0).mean())


def export_generator(path: Path, generator: Generator, config: Config, stage: str, steps: int,
                     seconds: tuple[float, float], images: int, examples: np.ndarray, device) -> Path:
    """An inference checkpoint: the EMA generator in float16, with held-out examples and its story (the
    server's title and description are backend/registry.py's). `seconds`: (wall-clock, this process's CPU)."""
    data = "emoji (training concepts)" if config.data == "emoji" else f"image folder {Path(config.data).name}"
    meta = {
        "image_size": config.hr_size, "scale": config.scale, "stage": stage,
        "training": {"data": data, "images": images, "epochs": config.epochs if stage == "srgan" else
                     config.pretrain_epochs, "steps": steps, "seconds": round(seconds[0], 1),
                     "cpu_seconds": round(seconds[1], 1), "device": str(device),
                     "perceptual_loss": "emoji classifier blocks 1-2 (GAN stage)" if config.perceptual_weight
                     and stage == "srgan" else "none",
                     "config": config_to_dict(config)},
        "metrics": {"rows": [], "notes": "not evaluated yet: run deep_learning/srgan/evaluate.py"},
    }
    state = {"generator": copy.deepcopy(generator).cpu().state_dict(), "examples": torch.as_tensor(examples)}
    return save_checkpoint(path, kind=KIND, model_args=model_args_of(config), state=state, meta=meta, half=True)


def train_step(g_train, d_train, discriminator: Discriminator, perceptual: ClassifierFeatureLoss | None, opt_g,
               opt_d, low: torch.Tensor, high: torch.Tensor, adversarial: bool, config: Config) -> dict:
    """One generator update, preceded by a discriminator update in the GAN stage (`adversarial`); `g_train`,
    `d_train`: the models or their DDP wrappers. Returns the logged values. Also what
    deep_learning/benchmark_training.py times."""
    values = {}
    with autocast(low.device, config.bf16):
        output = g_train(low)
        if adversarial:
            opt_d.zero_grad(set_to_none=True)
            loss_d = (F.softplus(-d_train(high).float()).mean()
                      + F.softplus(d_train(output.detach()).float()).mean())
            loss_d.backward()
            opt_d.step()
            values["loss_d"] = loss_d.item()
        opt_g.zero_grad(set_to_none=True)
        loss_l1 = (output.float() - high).abs().mean()
        loss = config.l1_weight * loss_l1
        values["loss_l1"] = loss_l1.item()
        if perceptual is not None:
            loss_p = perceptual(output, high).float()
            loss = loss + config.perceptual_weight * loss_p
            values["loss_perceptual"] = loss_p.item()
        if adversarial:  # through the plain discriminator: its gradients are not wanted here
            loss_adv = F.softplus(-discriminator(output).float()).mean()
            loss = loss + config.adversarial_weight * loss_adv
            values["loss_g_adv"] = loss_adv.item()
        loss.backward()
        opt_g.step()
    return values


def train(config: Config) -> Path:
    """Trains and returns the run folder; `<run>/srgan.pt` holds the inference checkpoint."""
    if config.crop % config.scale or config.crop > config.hr_size:
        raise ValueError(f"crop {config.crop} must be a multiple of scale {config.scale} and <= hr_size")
    ddp = start_process(config)
    device = ddp.device
    run = RunDir(model_dir("srgan") / "saved" / (config.run or config.config))
    train_high, test_high = load_image_split(config.data, config.hr_size, config.seed)
    if config.limit:
        train_high = train_high[: config.limit]
    high_all, low_all = torch.as_tensor(train_high), torch.as_tensor(low_res_batch(train_high, config.scale))
    steps_per_epoch = len(high_all) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"{len(high_all)} training images are fewer than one batch of {config.batch_size}")
    val_high = from_uint8(test_high[: config.val_images]).to(device)
    val_low = from_uint8(low_res_batch(test_high[: config.val_images], config.scale)).to(device)
    bicubic_psnr = mean_psnr(F.interpolate(val_low, scale_factor=config.scale, mode="bicubic"), val_high)
    fmt = torch.channels_last if config.channels_last else torch.contiguous_format

    generator = Generator(**model_args_of(config)).to(device, memory_format=fmt)
    discriminator = Discriminator(config.d_channels).to(device, memory_format=fmt)
    ema = EMA(generator, config.ema_decay)
    opt_g = torch.optim.Adam(generator.parameters(), config.lr_g, betas=(config.beta1, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), config.lr_d, betas=(config.beta1, 0.999))
    g_train, d_train = ddp.wrap(generator), ddp.wrap(discriminator)
    order, val_output = torch.arange(len(high_all)), val_high  # the epoch's data order, held-out outputs
    adversarial, perceptual = False, None  # the GAN stage; its perceptual network, loaded when it starts

    def start_epoch(epoch: int) -> None:
        nonlocal order, adversarial, perceptual
        adversarial = epoch > config.pretrain_epochs
        if adversarial and config.perceptual_weight and perceptual is None:
            perceptual = ClassifierFeatureLoss.from_checkpoint(config.perceptual_network).to(device, memory_format=fmt)
        generator.train()
        order = epoch_order(len(high_all), epoch, config.seed)

    def step(i: int, steps: int) -> dict:
        rows = order[i * config.batch_size : (i + 1) * config.batch_size][ddp.rank :: ddp.world_size]
        high, low = random_crops(high_all[rows].permute(0, 3, 1, 2), low_all[rows].permute(0, 3, 1, 2),
                                 config.crop, config.scale)
        high, low = from_uint8(high), from_uint8(low)
        if config.flip:
            flip = torch.rand(len(high), 1, 1, 1) < 0.5
            high, low = torch.where(flip, high.flip(-1), high), torch.where(flip, low.flip(-1), low)
        high, low = high.to(device, memory_format=fmt), low.to(device, memory_format=fmt)
        values = train_step(g_train, d_train, discriminator, perceptual, opt_g, opt_d, low, high, adversarial, config)
        ema.update(generator, steps)
        return values

    @torch.no_grad()
    def validate(epoch: int) -> dict:
        nonlocal val_output
        val_output = ema.model(val_low)
        return {"adversarial": adversarial, "val_psnr": round(mean_psnr(val_output, val_high), 3),
                "val_psnr_bicubic": round(bicubic_psnr, 3)}

    def samples(epoch: int, path: Path) -> None:
        save_sample_grid(path, val_low[:8], val_output[:8], val_high[:8], config.scale)

    def end_epoch(progress: Progress) -> None:  # the SRResNet after pretraining, the SRGAN at the end
        if progress.epoch in (config.pretrain_epochs, config.epochs):
            stage = "srgan" if progress.epoch == config.epochs > config.pretrain_epochs else "srresnet"
            export_generator(run.root / f"{stage}.pt", ema.model, config, stage, progress.step,
                             (progress.seconds, progress.cpu_seconds), len(high_all), test_high[:EXAMPLES], device)

    fit(TrainingRun(
        run, ddp, config, TRAINING_KIND, model_args_of(config), steps_per_epoch=steps_per_epoch,
        images_per_step=config.batch_size, step=step, start_epoch=start_epoch, validate=validate, samples=samples,
        end_epoch=end_epoch, checkpoint_epochs=(config.pretrain_epochs,),
        modules={"generator": generator, "discriminator": discriminator, "ema": ema.model, "optimizer_g": opt_g,
                 "optimizer_d": opt_d},  # what a training checkpoint holds
        plot_keys=("loss_l1", "loss_perceptual", "loss_g_adv", "loss_d", "val_psnr"), title=f"SRGAN {run.root.name}",
        options={"train_images": len(high_all)}))
    ddp.close()
    return run.root


def save_sample_grid(path: Path, low: torch.Tensor, output: torch.Tensor, high: torch.Tensor, scale: int) -> None:
    """Rows: low resolution (nearest), bicubic, generator, original."""
    size = high.shape[-2:]
    rows = [F.interpolate(low, size=size, mode="nearest"), F.interpolate(low, size=size, mode="bicubic"),
            output.float().clamp(-1, 1), high]
    save_grid(torch.cat([r.cpu() for r in rows]), path, nrow=len(low), scale=2)


if __name__ == "__main__":
    train(parse_config(Config, presets=PRESETS, description=__doc__.splitlines()[0]))
