"""Trains the digits GAN: `python deep_learning/digits_gan/training_loop.py [--config=can|baseline] [--key=value]`.

can (default, seed 003): conditional WGAN-GP whose generator labels come from the k-hot "pan-classness"
meta-distribution, plus a classifier trained on real digits whose cross-entropy against the requested
mix shapes the generator. baseline (seed 000): the same networks as a plain one-hot cGAN, no classifier.
Every `checkpoint_every` epochs an atomic checkpoint, every `sample_every` a sample grid, every epoch the
progress plot, in deep_learning/digits_gan/saved/<run>/ (common/loop.py); `--resume` continues the run's
latest checkpoint exactly, and a run folder with checkpoints is refused without it. Also runs under
`torchrun --nproc_per_node=2` (each process takes its shard of every epoch's permutation). At the end the
EMA generator goes, in float16, to `<run>/digits.pt` (`--out=deep_learning/digits_gan/checkpoints/digits.pt`
ships it).
"""

import sys
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import torch.nn.functional as F

from deep_learning.classifiers.models import SHIPPED as CLASSIFIERS
from deep_learning.classifiers.models import classify, load_classifier
from deep_learning.common.checkpoint import save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.mnist import load_mnist
from deep_learning.common.device import autocast, seed_everything
from deep_learning.common.images import from_uint8, save_grid
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.paths import model_dir
from deep_learning.common.resume import Progress
from deep_learning.common.training import EMA, RunDir, epoch_order, setup_distributed
from deep_learning.digits_gan.config import PRESETS, Config
from deep_learning.digits_gan.labels import NUM_DIGITS, one_hot, sample_k_hot
from deep_learning.digits_gan.models import GENERATOR_KIND, TRAINING_KIND, Critic, DigitClassifier, Generator
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


def train(config: Config) -> dict:
    """Trains (or resumes) one run; returns the last log row. Writes only from process 0."""
    ddp = setup_distributed(config.device)
    config.bf16 = ddp.agree(config.bf16)
    device = ddp.device
    seed_everything(config.seed)  # the same initial weights on every rank and every run of this seed
    run = RunDir(Path(config.saved or model_dir("digits_gan") / "saved") / (config.run or config.config))
    images, digits = (torch.from_numpy(array[: config.limit or None]) for array in load_mnist("train"))
    args, models, optimizers = build(config, images.shape[-1], device)
    generator, critic, classifier = models["generator"], models["critic"], models.get("classifier")
    ema = EMA(generator, config.ema_decay)
    judge = None
    if config.check_per_digit and ddp.is_main and CLASSIFIERS["mnist"].is_file():
        judge = load_classifier(CLASSIFIERS["mnist"])[0].to(device)
    g_ddp, d_ddp = ddp.wrap(generator), ddp.wrap(critic)
    c_ddp = ddp.wrap(classifier) if classifier is not None else None
    shard = epoch_shard(len(images), 1, config.seed, ddp.rank, ddp.world_size)  # this process's share of an epoch

    def start_epoch(epoch: int) -> None:
        nonlocal shard
        # Noise and labels come from a stream fixed by (seed, epoch, rank): an exact resume on every rank.
        torch.manual_seed(config.seed * 1_000_003 + epoch * 1_009 + ddp.rank)
        shard = epoch_shard(len(images), epoch, config.seed, ddp.rank, ddp.world_size)

    def step(i: int, steps: int) -> dict:
        batch = shard[i * config.batch_size : (i + 1) * config.batch_size]
        real = from_uint8(images[batch]).to(device, memory_format=memory_format(config))
        stats = critic_step(generator, d_ddp, optimizers["opt_d"], real, one_hot(digits[batch]).to(device), config)
        if c_ddp is not None:
            stats |= classifier_step(c_ddp, optimizers["opt_c"], real, digits[batch].to(device), config)
        if steps % config.n_critic == 0:
            stats |= generator_step(g_ddp, critic, classifier, optimizers["opt_g"], len(real), config, device)
            ema.update(generator, steps // config.n_critic)  # warm-up in generator steps
        return stats

    def validate(epoch: int) -> dict:
        if judge is None or not training.checkpoints_at(epoch):
            return {}
        return {"accuracy": round(one_hot_accuracy(ema.model, judge, config.check_per_digit), 4)}

    def samples(epoch: int, path: Path) -> None:
        save_grid(sample_sheet(ema.model), path, nrow=8, scale=2)

    training = TrainingRun(
        run, ddp, config, TRAINING_KIND, args, steps_per_epoch=len(shard) // config.batch_size,
        images_per_step=config.batch_size * ddp.world_size, step=step, start_epoch=start_epoch, validate=validate,
        samples=samples, modules=models | optimizers | {"ema": ema.model}, plot_keys=tuple(LOG_KEYS),
        title=f"digits_gan {config.config}")
    progress = fit(training)
    if ddp.is_main and progress.epoch == config.epochs:
        out = save_inference_checkpoint(config, run, args["generator"], ema.model, progress, ddp.world_size)
        print(f"EMA generator -> {out}")
    ddp.close()
    return progress.row


def shipped_config(config: Config) -> dict:
    """The training options without where this machine put its files (those stay in training_options.json)."""
    return {key: value for key, value in config_to_dict(config).items() if key not in ("saved", "out", "resume")}


def save_inference_checkpoint(config: Config, run: RunDir, generator_args: dict, generator: Generator,
                              progress: Progress, world_size: int) -> Path:
    """The small checkpoint the backend loads: float16 EMA generator; `evaluate` adds the metrics. It goes to
    the run folder (`<run>/digits.pt`) unless `--out` names another file: shipping one is an explicit
    `--out=deep_learning/digits_gan/checkpoints/digits.pt` (or a copy)."""
    training = {
        "preset": config.config, "epochs": progress.epoch, "generator_steps": progress.step // config.n_critic,
        "images_seen": progress.step * config.batch_size * world_size,
        "seconds": round(progress.seconds, 1), "cpu_seconds": round(progress.cpu_seconds, 1),
        "processes": world_size, "device": str(next(generator.parameters()).device.type),
        "generator_parameters": sum(p.numel() for p in generator.parameters()),
        "accuracy_check": progress.row.get("accuracy"), "config": shipped_config(config),
    }
    return save_checkpoint(
        Path(config.out) if config.out else run.root / "digits.pt", kind=GENERATOR_KIND, half=True,
        model_args=generator_args, state={"generator": generator.state_dict()},
        meta={"training": training, "metrics": {}},
    )


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    argv = ["--resume=true" if arg == "--resume" else arg for arg in argv]  # a bare flag reads naturally
    return train(parse_config(Config, argv, presets=PRESETS, description=__doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
