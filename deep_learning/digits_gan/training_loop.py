"""Trains the digits GAN: `python deep_learning/digits_gan/training_loop.py [--config=can|baseline] [--key=value]`.

can (default, seed 003): conditional WGAN-GP whose generator labels come from the k-hot "pan-classness"
meta-distribution, plus a classifier trained on real digits whose cross-entropy against the requested
mix shapes the generator. baseline (seed 000): the same networks as a plain one-hot cGAN, no classifier.
Every `checkpoint_every` epochs: an atomic checkpoint, a sample grid and a progress plot in
deep_learning/digits_gan/saved/<run>/; `--resume` continues the run's latest checkpoint exactly. Also
runs under `torchrun --nproc_per_node=2` (each process takes its shard of every epoch's permutation).
At the end the EMA generator goes, in float16, to the inference checkpoint (default: the shipped one).
"""

import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import torch.nn.functional as F
from tqdm import tqdm

from deep_learning.classifiers.models import SHIPPED as CLASSIFIERS
from deep_learning.classifiers.models import classify, load_classifier
from deep_learning.common.checkpoint import load_checkpoint, save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.mnist import load_mnist
from deep_learning.common.device import autocast, seed_everything
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.paths import model_dir
from deep_learning.common.training import EMA, RunDir, epoch_order, plot_progress, setup_distributed
from deep_learning.digits_gan.config import PRESETS, Config
from deep_learning.digits_gan.labels import NUM_DIGITS, one_hot, sample_k_hot
from deep_learning.digits_gan.models import GENERATOR_KIND, SHIPPED, TRAINING_KIND, Critic, DigitClassifier, Generator
from deep_learning.digits_gan.pipeline import generate, noise, sample_sheet

# The critic's [1, N] score weight gets a gradient with strides (1, 1): just as contiguous as the bucket's
# (N, 1), but DDP's layout check compares strides literally and warns on every step.
warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")

LOG_KEYS = ["wasserstein", "penalty", "loss_g", "class_real", "class_fake", "accuracy", "images_per_s"]


def model_args(config: Config, image_size: int) -> dict:
    return {
        "generator": {"z_dim": config.z_dim, "label_dim": NUM_DIGITS, "width": config.g_width,
                      "image_size": image_size},
        "critic": {"label_dim": NUM_DIGITS, "width": config.d_width, "image_size": image_size},
    }


def epoch_shard(n: int, epoch: int, seed: int, rank: int, world_size: int) -> torch.Tensor:
    """This process's share of the epoch's permutation; the same on every resume and every rank count."""
    return epoch_order(n, epoch, seed)[rank::world_size][: n // world_size]


def critic_step(generator, critic, optimizer, real, real_labels, config: Config) -> dict:
    """One WGAN-GP critic update; fakes carry k-hot labels, the penalty is taken on interpolates."""
    n, device = len(real), real.device
    fake_labels = sample_k_hot(n, config.pan).to(device)
    z = torch.randn(n, config.z_dim, device=device)
    with torch.no_grad(), autocast(device, config.bf16):
        fake = generator(z, fake_labels).float()
    eps = torch.rand(n, 1, 1, 1, device=device)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    mixed_labels = eps.flatten(1) * real_labels + (1 - eps.flatten(1)) * fake_labels
    with autocast(device, config.bf16):  # one forward for all three, so DDP sees one forward per backward
        scores = critic(torch.cat([real, fake, mixed]), torch.cat([real_labels, fake_labels, mixed_labels]))
    real_score, fake_score, mixed_score = scores.float().split(n)
    (grad,) = torch.autograd.grad(mixed_score.sum(), mixed, create_graph=True)
    penalty = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
    distance = real_score.mean() - fake_score.mean()
    loss = -distance + config.gp_weight * penalty + config.drift * (real_score**2).mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"wasserstein": distance.item(), "penalty": penalty.item()}


def classifier_step(classifier, optimizer, real, digits, config: Config) -> dict:
    with autocast(real.device, config.bf16):
        logits = classifier(real)
    loss = F.cross_entropy(logits.float(), digits)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"class_real": loss.item()}


def generator_step(generator, critic, classifier, optimizer, n: int, config: Config, device) -> dict:
    """Fool the critic; with a classifier, also make its prediction match the requested mix (seed 003)."""
    labels = sample_k_hot(n, config.pan).to(device)
    z = torch.randn(n, config.z_dim, device=device)
    frozen = [critic] + ([classifier] if classifier is not None else [])
    for model in frozen:
        model.requires_grad_(False)
    with autocast(device, config.bf16):
        fake = generator(z, labels)
        adversarial = -critic(fake, labels).float().mean()
        logits = classifier(fake).float() if classifier is not None else None
    stats = {"loss_g": adversarial.item()}
    loss = adversarial
    if logits is not None:
        class_loss = -(labels * F.log_softmax(logits, dim=1)).sum(1).mean()
        loss = loss + config.class_weight * class_loss
        stats["class_fake"] = class_loss.item()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    for model in frozen:
        model.requires_grad_(True)
    return stats


def one_hot_accuracy(generator: Generator, judge, per_digit: int, seed: int = 12345) -> float:
    """Share of one-hot samples the independent MNIST classifier reads as the requested digit."""
    digits = torch.arange(NUM_DIGITS).repeat_interleave(per_digit)
    images = generate(generator, noise(len(digits), generator.z_dim, seed), one_hot(digits))
    return float((classify(judge, images).argmax(1) == digits).float().mean())


def memory_format(config: Config) -> torch.memory_format:
    return torch.channels_last if config.channels_last else torch.contiguous_format


def build(config: Config, image_size: int, device: torch.device) -> tuple[dict, dict, dict]:
    """(model_args, models, optimizers); the classifier only where its objective is used."""
    args = model_args(config, image_size)
    models = {"generator": Generator(**args["generator"]), "critic": Critic(**args["critic"])}
    if config.class_weight > 0:
        models["classifier"] = DigitClassifier(image_size=image_size)
    models = {name: model.to(device, memory_format=memory_format(config)) for name, model in models.items()}
    betas = (config.beta1, config.beta2)
    optimizers = {
        "opt_g": torch.optim.Adam(models["generator"].parameters(), config.lr_g, betas=betas),
        "opt_d": torch.optim.Adam(models["critic"].parameters(), config.lr_d, betas=betas),
    }
    if "classifier" in models:
        optimizers["opt_c"] = torch.optim.Adam(models["classifier"].parameters(), config.lr_c, betas=(0.5, 0.999))
    return args, models, optimizers


def restore(run: RunDir, config: Config, modules: dict, ema: EMA, device: torch.device) -> dict:
    """Loads the run's latest checkpoint into models, optimizers and EMA; returns the progress counters."""
    latest = run.latest_checkpoint()
    if latest is not None and not config.resume:
        raise SystemExit(f"{run.root} already has checkpoints: pass --resume to continue it, or a new --run")
    if latest is None:
        return {"epoch": 0, "step": 0, "seconds": 0.0}
    state = load_checkpoint(latest, kind=TRAINING_KIND, map_location=device)["state"]
    for name, module in modules.items():
        module.load_state_dict(state[name])
    ema.model.load_state_dict(state["ema"])
    print(f"resuming {latest.name}: epoch {state['progress']['epoch']}, step {state['progress']['step']}")
    return dict(state["progress"])


def train(config: Config) -> dict:
    """Trains (or resumes) one run; returns the last log row. Writes only from process 0."""
    dist = setup_distributed(config.device)
    device = dist.device
    seed_everything(config.seed)  # the same initial weights on every rank and every run of this seed
    run = RunDir(Path(config.saved or model_dir("digits_gan") / "saved") / (config.run or config.config))
    images, digits = (torch.from_numpy(array[: config.limit or None]) for array in load_mnist("train"))
    args, models, optimizers = build(config, images.shape[-1], device)
    generator, critic, classifier = models["generator"], models["critic"], models.get("classifier")
    ema = EMA(generator, config.ema_decay)
    progress = restore(run, config, models | optimizers, ema, device)
    if dist.is_main:
        run.create()
        run.truncate_log(progress["epoch"])  # rows a killed run logged after its last checkpoint
        run.write_options(config_to_dict(config) | {"world_size": dist.world_size})
    judge = None
    if config.check_per_digit and dist.is_main and CLASSIFIERS["mnist"].is_file():
        judge = load_classifier(CLASSIFIERS["mnist"])[0].to(device)
    g_ddp, d_ddp = dist.wrap(generator), dist.wrap(critic)
    c_ddp = dist.wrap(classifier) if classifier is not None else None

    row = {}
    for epoch in range(progress["epoch"] + 1, config.epochs + 1):
        # Noise and labels come from a stream fixed by (seed, epoch, rank): an exact resume on every rank.
        torch.manual_seed(config.seed * 1_000_003 + epoch * 1_009 + dist.rank)
        shard = epoch_shard(len(images), epoch, config.seed, dist.rank, dist.world_size)
        steps = len(shard) // config.batch_size
        sums, counts = defaultdict(float), defaultdict(int)
        start = time.time()
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{config.epochs}", leave=False, disable=not dist.is_main)
        for i in bar:
            batch = shard[i * config.batch_size : (i + 1) * config.batch_size]
            real = from_uint8(images[batch]).to(device, memory_format=memory_format(config))
            stats = critic_step(generator, d_ddp, optimizers["opt_d"], real, one_hot(digits[batch]).to(device), config)
            if c_ddp is not None:
                stats |= classifier_step(c_ddp, optimizers["opt_c"], real, digits[batch].to(device), config)
            progress["step"] += 1
            if progress["step"] % config.n_critic == 0:
                stats |= generator_step(g_ddp, critic, classifier, optimizers["opt_g"], len(real), config, device)
                g_steps = progress["step"] // config.n_critic  # warm-up: early weights fade out quickly
                ema.decay = min(config.ema_decay, (1 + g_steps) / (10 + g_steps))
                ema.update(generator)
            for key, value in stats.items():
                sums[key] += value
                counts[key] += 1
            rate = (i + 1) * config.batch_size * dist.world_size / (time.time() - start)
            bar.set_postfix(W=f"{stats['wasserstein']:.2f}", gp=f"{stats['penalty']:.3f}",
                            g=f"{sums['loss_g'] / max(counts['loss_g'], 1):.2f}", img_s=f"{rate:.0f}")
        seconds = time.time() - start
        progress["epoch"], progress["seconds"] = epoch, progress["seconds"] + seconds
        row = {"epoch": epoch, "step": progress["step"]}
        row |= {key: round(dist.mean(sums[key] / counts[key]), 5) for key in sorted(sums)}
        row |= {"images_per_s": round(steps * config.batch_size * dist.world_size / seconds, 1),
                "seconds": round(progress["seconds"], 1)}
        if epoch % config.checkpoint_every == 0 or epoch == config.epochs:
            if judge is not None:
                row["accuracy"] = round(one_hot_accuracy(ema.model, judge, config.check_per_digit), 4)
            if dist.is_main:
                save_checkpoint(
                    run.checkpoint_path(epoch), kind=TRAINING_KIND, model_args=args,
                    state={name: module.state_dict() for name, module in (models | optimizers).items()}
                    | {"ema": ema.model.state_dict(), "progress": dict(progress)},
                    meta={"config": config_to_dict(config)},
                )
                run.prune_checkpoints(config.keep_checkpoints)
                save_grid(sample_sheet(ema.model), run.samples / f"epoch{epoch:04d}.png", nrow=8, scale=2)
            dist.barrier()
        if dist.is_main:
            run.log(row)
            plot_progress(run.read_log(), LOG_KEYS, run.root / "progress.png", title=f"digits_gan {config.config}")
            print(" ".join(f"{key}={value}" for key, value in row.items()), flush=True)

    if dist.is_main and progress["epoch"] == config.epochs:
        out = save_inference_checkpoint(config, args["generator"], ema.model, progress, row, dist.world_size)
        print(f"EMA generator -> {out}")
    dist.close()
    return row


def shipped_config(config: Config) -> dict:
    """The training options without where this machine put its files (those stay in training_options.json)."""
    return {key: value for key, value in config_to_dict(config).items() if key not in ("saved", "out", "resume")}


def save_inference_checkpoint(config: Config, generator_args: dict, generator: Generator, progress: dict,
                              row: dict, world_size: int) -> Path:
    """The small checkpoint the backend loads: float16 EMA generator; `evaluate` adds the metrics."""
    training = {
        "preset": config.config, "epochs": progress["epoch"], "generator_steps": progress["step"] // config.n_critic,
        "images_seen": progress["step"] * config.batch_size * world_size,
        "seconds": round(progress["seconds"], 1), "processes": world_size,
        "device": str(next(generator.parameters()).device.type),
        "generator_parameters": sum(p.numel() for p in generator.parameters()),
        "accuracy_check": row.get("accuracy"),
    }
    return save_checkpoint(
        Path(config.out) if config.out else SHIPPED, kind=GENERATOR_KIND, half=True, model_args=generator_args,
        state={"generator": generator.state_dict()},
        meta={"config": shipped_config(config), "training": training, "metrics": {}},
    )


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    argv = ["--resume=true" if arg == "--resume" else arg for arg in argv]  # a bare flag reads naturally
    return train(parse_config(Config, argv, presets=PRESETS, description=__doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
