"""Trains the text-to-image GAN: `python deep_learning/main_model/training_loop.py --config=default`.

Presets: `seed001` (seed 001's architecture and losses, its swapped cross-entropy arguments fixed),
`default` (DF-GAN-style fusion, hinge loss, matching-aware gradient penalty, spectral norm, EMA,
DiffAugment), `emoji64` (the shipped 64 px model, grown from a 32 px export), `emoji64_recon` (its
reconstruction-only first stage) and the projected-discriminator variants `emoji64p` / `emoji64pp`.
Any field can be overridden: `--image_size=64 --epochs=10`.
The epoch loop, log, samples, checkpoints and resume are common/loop.py's; this file is config and step.
Runs from any working directory, on `--device=cuda` and under `torchrun --nproc_per_node=2`.
Everything a run writes goes to deep_learning/main_model/saved/<run>/.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script from any working directory
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import torch.nn.functional as F

from deep_learning.common.checkpoint import load_checkpoint, save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.text_image import TEST, TRAIN
from deep_learning.common.device import autocast, bf16_is_fast, seed_everything
from deep_learning.common.images import save_grid
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.paths import model_dir
from deep_learning.common.resume import Progress, refuse_to_overwrite
from deep_learning.common.text_encoders import PromptEncoder, load_text_encoder
from deep_learning.common.training import EMA, RunDir, start_process
from deep_learning.main_model.augment import diff_augment
from deep_learning.main_model.data import PromptImages, load_text_image_data
from deep_learning.main_model.models import build_discriminator, build_generator
from deep_learning.main_model.pipeline import GENERATOR_KIND, export_generator

TRAINING_KIND = "text-to-image/training"
DISCRIMINATOR_KIND = "text-to-image/discriminator"


def discriminator_path(generator_path: Path) -> Path:
    """Where the discriminator that continues a generator export lives: beside it."""
    return generator_path.with_name(f"{generator_path.stem}_discriminator.pt")


def load_matching(module: torch.nn.Module, state: dict, source: Path) -> list[str]:
    """Loads every tensor whose name and shape match; returns the names left at their initial values
    (a new class head when the class target changed, say)."""
    own = module.state_dict()
    fits = {k: v.to(own[k].dtype) for k, v in state.items() if k in own and own[k].shape == v.shape}
    module.load_state_dict({**own, **fits})
    skipped = sorted(set(own) - set(fits))
    if skipped:
        print(f"{source}: kept the initial values of {len(skipped)} tensors: {', '.join(skipped[:6])}"
              + (" ..." if len(skipped) > 6 else ""))
    return skipped


def _growth(source: dict, target: dict, path: Path) -> int:
    """How many resolution doublings lie between two generators' model args. Growing may change the
    width (the channels per block) and add the RGB skip; any warm start may add block noise or the text
    layout (their new parts start at zero); anything else that differs is refused."""
    grown = ("image_size", "width", "rgb_skip", "block_noise", "text_layout")
    others = lambda args: {k: v for k, v in args.items() if k not in grown}  # noqa: E731
    ratio = target["image_size"] / source["image_size"]
    grows = ratio > 1 and ratio == int(ratio) and not int(ratio) & (int(ratio) - 1)
    same_size = source["image_size"] == target["image_size"] and source["width"] == target["width"]
    if others(source) != others(target) or not (grows or same_size):
        raise ValueError(f"{path} was built with {source}, this run builds {target}")
    return int(ratio).bit_length() - 1


def _deeper_blocks(state: dict, shift: int) -> dict:
    """A discriminator state with blocks.i renamed blocks.(i + shift): new blocks go in front."""
    if not shift:
        return state
    def rename(key: str) -> str:
        head, _, rest = key.partition(".")
        if head != "blocks":
            return key
        index, _, tail = rest.partition(".")
        return f"blocks.{int(index) + shift}.{tail}"
    return {rename(key): value for key, value in state.items()}


@dataclass
class Config:
    config: str = "default"  # the preset this run started from
    arch: str = "dfgan"  # dfgan or seed001 (models.py)
    dataset: str = "emoji"  # emoji, or a folder in seed 001's layout (train|test/<class>/<img>.jpg + .txt)
    image_size: int = 32  # 32, 64 or 128 px
    text_encoder: str = "minilm"  # minilm, or clip:<model>:<pretrained tag or file>
    z_dim: int = 100  # noise size
    g_width: int = 32  # generator channels at the output resolution (doubling towards 4x4)
    d_width: int = 32  # discriminator channels at the input resolution
    rgb_skip: bool = False  # dfgan only: the last block adds detail to the half-resolution image, enlarged
    block_noise: bool = False  # dfgan only: per-pixel noise in every generator block (StyleGAN), drawn from z
    text_layout: bool = False  # dfgan only: the prompt, not only the noise, draws the generator's 4x4 start
    discriminator: str = "arch"  # arch (the architecture's own), projected (heads on frozen EfficientNet-Lite0
    #                              features, projected.py), or both: the own one and a projected second
    projected_weight: float = 1.0  # both only: G's loss weight of the projected discriminator
    feature_size: int = 64  # projected only: the side images are resized to before the feature network
    loss: str = "hinge"  # hinge, bce (seed 001, with smoothed real labels), or relativistic (R3GAN: each fake
    #                     is scored against a real one, softplus of the difference)
    label_smoothing: float = 0.1  # bce only: real images aim at 1 - this
    lr_g: float = 1e-4  # Adam learning rates, generator and discriminator
    lr_d: float = 4e-4
    beta1: float = 0.0  # Adam betas
    beta2: float = 0.9
    batch_size: int = 64  # images per step over all processes
    epochs: int = 200  # passes over the training images
    max_minutes: float = 0  # stop after this much wall-clock training time; 0 = no limit
    max_cpu_minutes: float = 0  # stop after this much process CPU time (all threads): a budget that other
    #                             processes on a shared machine cannot shrink, for equal-budget comparisons
    mismatch_weight: float = 0.5  # D loss weight of real images paired with another concept's caption
    class_weight: float = 1.0  # auxiliary classifier loss weight (TAC-GAN), for D on reals and G on fakes
    class_target: str = "subcategory"  # what the auxiliary head names: subcategory (95 Unicode classes)
    #                                    or concept (each training prompt its own class: "this apple")
    class_head: str = "linear"  # dfgan only: linear (spectral norm), or cosine (normalised class proxies)
    gan_weight: float = 1.0  # G's weight of the discriminator's judgement (adversarial and class terms); 0 = no
    #                          discriminator at all: G learns from reconstruction alone (conditional IMLE), ~3x cheaper
    mode_seeking: float = 0.0  # MSGAN weight: G is rewarded for images that differ as much as their noises
    recon_weight: float = 0.0  # best-of-pair reconstruction (cIMLE-like): of two noises for one caption, the
    #                            nearer image is pulled (L1) towards the real image; the other is left free
    penalty: str = "magp"  # magp: DF-GAN's matching-aware gradient penalty around real images and their
    #                        captions; r1r2: R3GAN's R1 + R2 (squared gradient norm at real and at fake images)
    gp_weight: float = 2.0  # the penalty's weight (for r1r2, gamma: gamma / 2 * |grad|^2); 0 = off
    gp_power: float = 6.0  # magp only: the penalty is weight * |grad|^power
    gp_every: int = 4  # lazy regularisation: penalty every N steps, scaled by N
    augment: bool = True  # DiffAugment (colour, translation, cutout) before D
    text_noise: float = 0.05  # Gaussian noise on prompt embeddings (conditioning augmentation)
    ema_decay: float = 0.999  # EMA of G for samples and the shipped weights; 0 = G itself
    bf16: bool = field(default_factory=bf16_is_fast)  # bfloat16 autocast; default: where it is faster (bf16_is_fast)
    channels_last: bool = True  # memory format CPUs' convolutions prefer
    limit_concepts: int = 0  # use only the first N concepts (tests); 0 = all
    checkpoint_every: int = 1  # epochs between checkpoints (and generator exports)
    sample_every: int = 1  # epochs between sample grids
    keep_checkpoints: int = 2  # training checkpoints kept in the run folder
    run: str = ""  # run folder name; default <config>-<image_size>px
    saved: str = ""  # folder holding the run folders; default deep_learning/main_model/saved
    resume: bool = False  # continue the run's latest checkpoint
    init_from: str = ""  # warm start from a generator export (e.g. checkpoints/default.pt) and the
    #                      discriminator saved beside it (<name>_discriminator.pt), where there is one:
    #                      how a fresh clone continues the shipped model; optimisers start anew
    seed: int = 0
    device: str = "auto"  # auto, cpu or cuda
    threads: int = 0  # torch CPU threads; 0 = torch's default


PRESETS = {
    "default": {},
    "seed001": dict(arch="seed001", g_width=1024, d_width=64, loss="bce", lr_g=2e-4, lr_d=2e-4, beta1=0.5,
                    beta2=0.999, gp_weight=0.0, augment=False, text_noise=0.0, ema_decay=0.0),
    # 64 px at half the widths: the same channels as the 32 px default one level up, so it grows from a 32 px
    # export (--init_from=checkpoints/default.pt keeps every block and starts as its images, enlarged); the
    # prompt draws the layout too, and the reconstruction pulls each training prompt towards its own emoji
    "emoji64": dict(image_size=64, g_width=16, d_width=16, rgb_skip=True, recon_weight=10.0, text_layout=True),
    # its first stage: no discriminator, reconstruction alone (3-7x cheaper a step): the prompt learns its layout
    "emoji64_recon": dict(image_size=64, g_width=16, d_width=16, rgb_skip=True, recon_weight=1.0, text_layout=True,
                          gan_weight=0.0, lr_g=5e-4),
    # the same generator against a projected discriminator (Projected GAN: no gradient penalty)
    "emoji64p": dict(image_size=64, g_width=16, d_width=64, rgb_skip=True, recon_weight=1.0,
                     discriminator="projected", gp_weight=0.0),
    # emoji64 with a projected discriminator beside its own (continues the emoji64 discriminator)
    "emoji64pp": dict(image_size=64, g_width=16, d_width=16, rgb_skip=True, recon_weight=1.0, discriminator="both"),
}


def model_args(config: Config, text_dim: int, num_classes: int) -> tuple[dict, dict]:
    shared = {"arch": config.arch, "text_dim": text_dim, "image_size": config.image_size}
    # absent when off: older exports' args stay equal
    skip = {"rgb_skip": True} if config.rgb_skip else {}
    skip |= {"block_noise": True} if config.block_noise else {}
    skip |= {"text_layout": True} if config.text_layout else {}
    d_args = {**shared, "num_classes": num_classes, "width": config.d_width,
              **({"class_head": config.class_head} if config.class_head != "linear" else {})}
    if config.discriminator == "projected":
        d_args |= {"arch": "projected", "feature_size": config.feature_size}
    elif config.discriminator not in ("arch", "both"):
        raise ValueError(f"discriminator must be arch, projected or both, not {config.discriminator!r}")
    return {**shared, "z_dim": config.z_dim, "width": config.g_width, **skip}, d_args


def projected_args(config: Config, text_dim: int, num_classes: int) -> dict | None:
    """The second, projected discriminator's args where `--discriminator=both`."""
    if config.discriminator != "both":
        return None
    return {"arch": "projected", "text_dim": text_dim, "image_size": config.image_size, "num_classes": num_classes,
            "feature_size": config.feature_size}


def adversarial_d(real: torch.Tensor, fake: torch.Tensor, config: Config) -> torch.Tensor:
    """Discriminator loss for logits that should say real / fake (either may be None)."""
    loss = 0.0
    if real is not None:
        loss = loss + (F.relu(1 - real).mean() if config.loss == "hinge" else
                       F.binary_cross_entropy_with_logits(real, torch.full_like(real, 1 - config.label_smoothing)))
    if fake is not None:
        loss = loss + (F.relu(1 + fake).mean() if config.loss == "hinge" else
                       F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    return loss


def adversarial_g(fake: torch.Tensor, config: Config) -> torch.Tensor:
    if config.loss == "hinge":
        return -fake.mean()
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def relativistic(better: torch.Tensor, worse: torch.Tensor) -> torch.Tensor:
    """R3GAN's relativistic pairing loss: the first logit of each pair should exceed the second."""
    return F.softplus(worse.float() - better.float()).mean()


def discriminator_gan_loss(rf_real, rf_fake, m_real, m_fake, m_wrong, config: Config) -> torch.Tensor:
    """One discriminator's adversarial terms: real/fake, matching, and mismatch (a real image with another
    concept's caption). Its class head and penalty come on top."""
    if config.loss == "relativistic":  # each real above its paired fake; a real image above itself mis-captioned
        return (relativistic(rf_real, rf_fake) + relativistic(m_real, m_fake)
                + config.mismatch_weight * relativistic(m_real, m_wrong))
    return (adversarial_d(rf_real.float(), rf_fake.float(), config)
            + adversarial_d(m_real.float(), m_fake.float(), config)
            + config.mismatch_weight * adversarial_d(None, m_wrong.float(), config))


def generator_gan_loss(rf: torch.Tensor, m: torch.Tensor, config: Config, rf_real: torch.Tensor | None = None,
                       m_real: torch.Tensor | None = None) -> torch.Tensor:
    """G's side of the same: its fakes should score real and matching (relativistic: above the reals'
    logits, taken from the discriminator's step and held fixed)."""
    if config.loss == "relativistic":
        return relativistic(rf, rf_real.detach()) + relativistic(m, m_real.detach())
    return adversarial_g(rf.float(), config) + adversarial_g(m.float(), config)


def matching_gradient_penalty(discriminator, images, text, config: Config) -> torch.Tensor:
    """DF-GAN's MA-GP: a smooth matching score around real images with their own captions."""
    images = images.detach().requires_grad_(True)
    text = text.detach().requires_grad_(True)
    _, match, _, _ = discriminator(images, text)
    grad_images, grad_text = torch.autograd.grad(match.float().sum(), (images, text), create_graph=True)
    norm = torch.sqrt(grad_images.flatten(1).pow(2).sum(1) + grad_text.pow(2).sum(1) + 1e-12)
    return config.gp_weight * config.gp_every * norm.pow(config.gp_power).mean()


def r1_r2_penalty(discriminator, real, text, fake, fake_text, config: Config) -> torch.Tensor:
    """R3GAN's R1 + R2: gamma / 2 times the squared gradient norm of D's real/fake plus matching logit with
    respect to the image, at real images (R1) and at generated ones (R2)."""
    penalty = 0.0
    for images, captions in ((real, text), (fake, fake_text)):
        images = images.detach().requires_grad_(True)
        rf, match, _, _ = discriminator(images, captions.detach())
        (grad,) = torch.autograd.grad((rf + match).float().sum(), images, create_graph=True)
        penalty = penalty + grad.float().flatten(1).pow(2).sum(1).mean()
    return 0.5 * config.gp_weight * config.gp_every * penalty


def best_of_pair_l1(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Fakes (0, 1), (2, 3), ... share the caption of reals 0, 2, ...: the L1 distance of the nearer fake
    of each pair to its real image. Only the nearer one learns, so the pair's other noise keeps its
    freedom and the prompt's images do not collapse onto one average (Li & Malik's IMLE, conditional)."""
    pairs = len(fake) // 2
    target = real[0 : 2 * pairs : 2]
    distance = torch.stack([(fake[k : 2 * pairs : 2] - target).abs().flatten(1).mean(1) for k in (0, 1)])
    return distance.min(0).values.mean()


def mode_seeking_loss(fake: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """MSGAN (Mao et al. 2019) on pairs (0, 1), (2, 3), ... that share a caption: the inverse of image
    distance per noise distance, so two seeds of one prompt are pushed apart."""
    pairs = len(fake) // 2  # an odd batch's last image has no partner
    image_distance = (fake[0 : 2 * pairs : 2] - fake[1 : 2 * pairs : 2]).abs().flatten(1).mean(1)
    noise_distance = (z[0 : 2 * pairs : 2] - z[1 : 2 * pairs : 2]).abs().mean(1)
    return 1.0 / ((image_distance / noise_distance).mean() + 1e-5)


class Trainer:
    def __init__(self, config: Config, encoder: PromptEncoder | None = None, data: PromptImages | None = None):
        """`encoder` and `data` are loaded from the config unless given: trainers that share them (the
        training benchmark builds one per variant) skip the loading."""
        self.config = config
        self.dist = start_process(config)  # process group, threads, rank 0's bf16 choice, seed + rank
        self.device = self.dist.device
        saved = Path(config.saved) if config.saved else model_dir("main_model") / "saved"
        self.run_dir = RunDir(saved / (config.run or f"{config.config}-{config.image_size}px"))
        self.encoder = load_text_encoder(config.text_encoder) if encoder is None else encoder
        self.data = data if data is not None else PromptImages(
            load_text_image_data(config.dataset, config.image_size, config.limit_concepts), self.encoder)
        if config.loss not in ("hinge", "bce", "relativistic"):
            raise ValueError(f"loss must be hinge, bce or relativistic, not {config.loss!r}")
        if not (config.gan_weight or config.recon_weight):
            raise ValueError("gan_weight=0 needs recon_weight > 0: the generator would have nothing to learn from")
        if config.penalty not in ("magp", "r1r2"):
            raise ValueError(f"penalty must be magp or r1r2, not {config.penalty!r}")
        if config.class_target not in ("subcategory", "concept"):
            raise ValueError(f"class_target must be subcategory or concept, not {config.class_target!r}")
        num_classes = len(self.data.data.concepts if config.class_target == "concept" else self.data.data.class_names)
        g_args, d_args = model_args(config, self.encoder.dim, num_classes)
        self.g_args, self.d_args = g_args, d_args
        torch.manual_seed(config.seed)  # identical initial weights on every rank
        self.generator = build_generator(**g_args).to(self.device)
        self.discriminator = build_discriminator(**d_args).to(self.device)
        if config.channels_last:
            self.generator.to(memory_format=torch.channels_last)
            self.discriminator.to(memory_format=torch.channels_last)
        self.ema = EMA(self.generator, config.ema_decay)
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr_d, betas=betas)
        self.g = self.dist.wrap(self.generator)
        self.d = self.dist.wrap(self.discriminator)
        self.d2_args = projected_args(config, self.encoder.dim, num_classes)
        self.discriminator2 = self.d2 = self.opt_d2 = None
        if self.d2_args:
            self.discriminator2 = build_discriminator(**self.d2_args).to(self.device)
            if config.channels_last:
                self.discriminator2.to(memory_format=torch.channels_last)
            self.opt_d2 = torch.optim.Adam(self.discriminator2.parameters(), lr=config.lr_d, betas=betas)
            self.d2 = self.dist.wrap(self.discriminator2)
        self.step = 0  # optimiser steps so far (the lazy penalty and the EMA warm-up count them)
        self.sample_concepts, self.sample_z = self._fixed_samples()
        seed_everything(config.seed + 1000 * self.dist.rank + 1)

    def _fixed_samples(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Eight train and eight held-out prompts, six fixed noises each: the same grid every checkpoint."""
        g = torch.Generator().manual_seed(1234)
        picks = []
        for split in (TRAIN, TEST):
            concepts = torch.as_tensor(self.data.data.split_concepts(split))
            picks.append(concepts[torch.randperm(len(concepts), generator=g)[:8]])
        return torch.cat(picks), torch.randn(6, self.config.z_dim, generator=g)

    # ------------------------------------------------------------------ state
    def init_from(self, path: Path) -> None:
        """Warm start: generator (and its EMA) from an export, the discriminator from beside it. From an
        export at half this run's resolution it is progressive growing (ProGAN): G keeps its blocks and
        gains a new last one, D's blocks move one place deeper behind a new first one. With `rgb_skip` the
        export's RGB layer becomes `to_rgb_low` and the new `to_rgb` starts at zero: the grown model starts
        as the export, enlarged, and learns only what the new resolution adds."""
        generator = load_checkpoint(path, kind=GENERATOR_KIND)
        source_args = generator["model_args"]
        growth = _growth(source_args, self.g_args, path)
        state = generator["state"]["generator"]
        skip = growth == 1 and getattr(self.generator, "to_rgb_low", None) is not None
        if skip:
            state = {k.replace("to_rgb.", "to_rgb_low.", 1) if k.startswith("to_rgb.") else k: v
                     for k, v in state.items()}
            torch.nn.init.zeros_(self.generator.to_rgb[1].weight)
            torch.nn.init.zeros_(self.generator.to_rgb[1].bias)
        load_matching(self.generator, state, path)
        self.ema.model.load_state_dict(self.generator.state_dict())
        d_path = discriminator_path(path)
        d_saved = load_checkpoint(d_path, kind=DISCRIMINATOR_KIND) if d_path.is_file() else None
        if d_saved is None:
            print(f"no {d_path}: the discriminator starts from scratch")
        elif d_saved["model_args"].get("arch") != self.d_args["arch"]:
            print(f"{d_path} is a {d_saved['model_args'].get('arch')} discriminator: this run's starts from scratch")
        else:
            load_matching(self.discriminator, _deeper_blocks(d_saved["state"]["discriminator"], growth), d_path)
        if self.discriminator2 is not None and d_saved is not None and "projected" in d_saved["state"]:
            load_matching(self.discriminator2, d_saved["state"]["projected"], d_path)
        print(f"warm start from {path}" + (f", grown {2**growth}x" if growth else ""))

    def export(self, progress: Progress) -> None:
        """`generator.pt` (EMA weights, float16, what the server loads) and the discriminator beside it."""
        export_generator(self.run_dir.root / "generator.pt", self.ema.model, self.g_args,
                         self.inference_meta(progress))
        state = {"discriminator": self.discriminator.state_dict()}
        if self.discriminator2 is not None:  # the second, projected one rides along (its args in meta)
            state["projected"] = self.discriminator2.state_dict()
        save_checkpoint(discriminator_path(self.run_dir.root / "generator.pt"), kind=DISCRIMINATOR_KIND,
                        model_args=self.d_args, state=state, half=True,
                        meta={"epoch": progress.epoch, **({"projected": self.d2_args} if self.d2_args else {})})

    def inference_meta(self, progress: Progress) -> dict:
        data = self.data.data
        return {"text_encoder": self.encoder.name, "class_names": data.class_names,
                "dataset": self.config.dataset,
                "train_prompts": [data.concepts[c] for c in data.split_concepts(TRAIN)],
                "test_prompts": [data.concepts[c] for c in data.split_concepts(TEST)],
                "training": {"config": config_to_dict(self.config), "epochs": progress.epoch,
                             "steps": progress.step, "images_seen": progress.step * self.batch_images,
                             "train_minutes": round(progress.seconds / 60, 1),
                             "cpu_minutes": round(progress.cpu_seconds / 60, 1),
                             "device": str(self.device), "processes": self.dist.world_size,
                             "train_images": len(self.data)}}

    @torch.no_grad()
    def samples(self, epoch: int, path: Path) -> None:
        text = self.data.canonical(self.sample_concepts).to(self.device)
        n_z = len(self.sample_z)
        z = self.sample_z.repeat(len(text), 1).to(self.device)
        images = self.ema.model(z, text.repeat_interleave(n_z, 0)).float()
        save_grid(images.cpu(), path, nrow=n_z, scale=2)
        names = [self.data.data.concepts[c] for c in self.sample_concepts.tolist()]
        (self.run_dir.samples / "prompts.txt").write_text(
            "".join(f"{'train' if i < 8 else 'held-out'}: {name}\n" for i, name in enumerate(names)))

    # ------------------------------------------------------------------ training
    def train_step(self, real: torch.Tensor, concepts: torch.Tensor) -> dict:
        config, device = self.config, self.device
        classes = (concepts if config.class_target == "concept" else self.data.classes_of(concepts)).to(device)
        text = self.data.sample_captions(concepts).to(device)
        if config.text_noise:
            text = F.normalize(text + config.text_noise * torch.randn_like(text), dim=1)
        wrong = text.roll(1, dims=0)
        z = torch.randn(len(real), config.z_dim, device=device)
        fake_text, fake_classes = text, classes
        if config.mode_seeking or config.recon_weight:  # fakes in pairs of one caption, two noises
            n = len(text)
            fake_text, fake_classes = text[0::2].repeat_interleave(2, 0)[:n], classes[0::2].repeat_interleave(2, 0)[:n]
        augment = diff_augment if config.augment else (lambda x: x)
        with autocast(device, config.bf16):
            fake = self.g(z, fake_text)
        stats, real_logits = {}, {}
        if config.gan_weight:
            stats, real_logits = self._discriminator_steps(real, fake, text, wrong, fake_text, classes, augment)

        loss_g = torch.zeros((), device=device)
        with autocast(device, config.bf16):
            if config.gan_weight:
                rf, m, c_fake, _ = self.d(augment(fake), fake_text)
                loss_g = loss_g + config.gan_weight * (
                    generator_gan_loss(rf, m, config, real_logits["rf"], real_logits["m"])
                    + config.class_weight * F.cross_entropy(c_fake.float(), fake_classes))
                stats["class_accuracy_fake"] = (c_fake.argmax(1) == fake_classes).float().mean().item()
                if self.d2 is not None:
                    rf2, m2, _, _ = self.d2(augment(fake), fake_text)
                    loss_g = loss_g + config.gan_weight * config.projected_weight * generator_gan_loss(
                        rf2, m2, config, real_logits["rf2"], real_logits["m2"])
            if config.mode_seeking:
                loss_g = loss_g + config.mode_seeking * mode_seeking_loss(fake.float(), z)
            if config.recon_weight:
                recon = best_of_pair_l1(fake.float(), real.float())
                loss_g = loss_g + config.recon_weight * recon
                stats["recon_l1"] = recon.item()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.ema.update(self.generator, self.step)
        self.step += 1
        return {"loss_g": loss_g.item(), **stats}

    def _discriminator_steps(self, real, fake, text, wrong, fake_text, classes, augment) -> tuple[dict, dict]:
        """One optimiser step of the discriminator (and of the projected second one, where there is one).
        Returns its statistics and the real images' logits, which the relativistic loss of G compares to."""
        config, device = self.config, self.device
        with autocast(device, config.bf16):
            rf_real, m_real, c_real, m_wrong = self.d(augment(real), text, wrong)
            rf_fake, m_fake, _, _ = self.d(augment(fake.detach()), fake_text)
            loss_d = (discriminator_gan_loss(rf_real, rf_fake, m_real, m_fake, m_wrong, config)
                      + config.class_weight * F.cross_entropy(c_real.float(), classes))
        if config.gp_weight and self.step % config.gp_every == 0:
            with autocast(device, config.bf16):
                loss_d = loss_d + (matching_gradient_penalty(self.d, augment(real), text, config)
                                   if config.penalty == "magp" else
                                   r1_r2_penalty(self.d, augment(real), text, augment(fake), fake_text, config))
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        real_logits = {"rf": rf_real, "m": m_real}
        if self.d2 is not None:  # the projected one: real/fake and matching, no class head, no penalty
            with autocast(device, config.bf16):
                rf2_real, m2_real, _, m2_wrong = self.d2(augment(real), text, wrong)
                rf2_fake, m2_fake, _, _ = self.d2(augment(fake.detach()), fake_text)
                loss_d2 = discriminator_gan_loss(rf2_real, rf2_fake, m2_real, m2_fake, m2_wrong, config)
            self.opt_d2.zero_grad(set_to_none=True)
            loss_d2.backward()
            self.opt_d2.step()
            real_logits |= {"rf2": rf2_real, "m2": m2_real}
        stats = {"loss_d": loss_d.item(),
                 "d_accuracy": 0.5 * ((rf_real > 0).float().mean().item() + (rf_fake < 0).float().mean().item()),
                 "class_accuracy_real": (c_real.argmax(1) == classes).float().mean().item()}
        return stats, real_logits

    @property
    def per_rank(self) -> int:
        return max(1, self.config.batch_size // self.dist.world_size)

    @property
    def batch_images(self) -> int:
        """Images per optimiser step over all processes."""
        return self.per_rank * self.dist.world_size

    def epoch_order(self, epochs_done: int = 0) -> torch.Tensor:
        """This rank's share of the permutation of the epoch after `epochs_done`, a pure function of (seed,
        epoch): a resumed run draws the same order."""
        generator = torch.Generator().manual_seed(self.config.seed * 100003 + epochs_done)
        order = torch.randperm(len(self.data), generator=generator)
        return order[self.dist.rank :: self.dist.world_size]

    def train(self) -> Path:
        """Trains (continuing the run folder with --resume=true, else from --init_from or scratch) and returns
        the generator export. The epoch loop, log, samples, checkpoints and resume are common/loop.py's."""
        config = self.config
        if refuse_to_overwrite(self.run_dir, config.resume) is None and config.init_from:
            self.init_from(Path(config.init_from))
        order = self.epoch_order()
        steps = len(order) // self.per_rank  # whole batches only (BN, DDP in step)

        def start_epoch(epoch: int) -> None:
            nonlocal order
            self.generator.train()
            self.discriminator.train()
            order = self.epoch_order(epoch - 1)

        def step(i: int, step_count: int) -> dict:
            batch = order[i * self.per_rank : (i + 1) * self.per_rank]
            real = self.data.images[batch].to(self.device)
            if config.channels_last:
                real = real.contiguous(memory_format=torch.channels_last)
            self.step = step_count - 1
            return self.train_step(real, self.data.concept[batch])

        training = TrainingRun(
            run=self.run_dir, ddp=self.dist, config=config, kind=TRAINING_KIND, model_args=self.g_args,
            modules={"generator": self.generator, "discriminator": self.discriminator, "ema": self.ema.model,
                     "opt_g": self.opt_g, "opt_d": self.opt_d,
                     **({"discriminator2": self.discriminator2, "opt_d2": self.opt_d2} if self.d2 else {})},
            steps_per_epoch=steps, images_per_step=self.batch_images, step=step, start_epoch=start_epoch,
            samples=self.samples, on_checkpoint=self.export, stop=self._out_of_time,
            plot_keys=("loss_d", "loss_g", "recon_l1", "d_accuracy", "class_accuracy_real", "class_accuracy_fake",
                       "images_per_s"),
            title=self.run_dir.root.name, options={"device": str(self.device)}, decimals=4)
        self.step = fit(training).step
        self.dist.close()
        return self.run_dir.root / "generator.pt"

    def _out_of_time(self, progress: Progress) -> bool:
        config = self.config
        return (bool(config.max_minutes) and progress.seconds >= 60 * config.max_minutes) or \
            (bool(config.max_cpu_minutes) and progress.cpu_seconds >= 60 * config.max_cpu_minutes)


def main(argv=None) -> Path:
    config = parse_config(Config, argv, presets=PRESETS, description=__doc__.splitlines()[0])
    return Trainer(config).train()


if __name__ == "__main__":
    main()
