"""Trains the text-to-image GAN: `python deep_learning/main_model/training_loop.py --config=default`.

Presets: `seed001` (seed 001's architecture and losses, its swapped cross-entropy arguments fixed),
`default` (DF-GAN-style fusion, hinge loss, matching-aware gradient penalty, spectral norm, EMA,
DiffAugment), `emoji64` (the 64 px GAN stage), `emoji64_recon` (reconstruction alone, best of two noises)
and `emoji64_imle` (reconstruction alone, conditional IMLE: each real image claims its own noise).
Any field can be overridden: `--image_size=64 --epochs=10`.
The epoch loop, log, samples, checkpoints and resume are common/loop.py's; the losses losses.py's, warm
starts warm_start.py's, IMLE imle.py's: this file is config and step.
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

from deep_learning.classifiers.models import SHIPPED, load_classifier
from deep_learning.common.checkpoint import save_checkpoint
from deep_learning.common.config import config_to_dict, parse_config
from deep_learning.common.data.text_image import TEST, TRAIN
from deep_learning.common.device import autocast, bf16_is_fast, seed_everything
from deep_learning.common.images import save_grid
from deep_learning.common.loop import TrainingRun, fit
from deep_learning.common.paths import model_dir
from deep_learning.common.resume import Progress, refuse_to_overwrite
from deep_learning.common.text_encoders import PromptEncoder, load_text_encoder
from deep_learning.common.training import EMA, RunDir, start_process
from deep_learning.main_model import losses
from deep_learning.main_model.augment import diff_augment
from deep_learning.main_model.data import PromptImages, load_text_image_data
from deep_learning.main_model.imle import NoiseBank, SelectionSpace
from deep_learning.main_model.models import build_discriminator, build_generator
from deep_learning.main_model.pipeline import export_generator
from deep_learning.main_model.warm_start import DISCRIMINATOR_KIND, discriminator_path, warm_start

TRAINING_KIND = "text-to-image/training"


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
    text_layout: bool = False  # dfgan only: the prompt, not only the noise, draws the generator's 4x4 start
    loss: str = "hinge"  # hinge, or bce (seed 001, with smoothed real labels)
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
    class_weight: float = 1.0  # auxiliary classifier loss weight (TAC-GAN, the Unicode subcategory), D and G
    gan_weight: float = 1.0  # G's weight of the discriminator's judgement (adversarial and class terms); 0 = no
    #                          discriminator at all: G learns from reconstruction alone (conditional IMLE), ~3x cheaper
    recon_weight: float = 0.0  # reconstruction (L1) weight: best-of-pair (of two noises for one caption, the
    #                            nearer image is pulled towards a real one), or with imle_samples each image's own
    imle_samples: int = 0  # conditional IMLE (imle.py): each training image claims the nearest of this many noises
    #                        for its prompt and G is pulled to it from that noise; 0 = best-of-pair
    imle_every: int = 2  # epochs between refreshes of the claimed noises (each: imle_samples passes of G an image)
    gp_weight: float = 2.0  # DF-GAN's matching-aware gradient penalty: weight * |grad|^gp_power; 0 = off
    gp_power: float = 6.0
    gp_every: int = 4  # lazy regularisation: penalty every N steps, scaled by N
    augment: bool = True  # DiffAugment (colour, translation, cutout) before D
    text_noise: float = 0.05  # Gaussian noise on prompt embeddings (conditioning augmentation)
    ema_decay: float = 0.999  # EMA of G for samples and the shipped weights; 0 = G itself
    bf16: bool = field(default_factory=bf16_is_fast)  # bfloat16 autocast; default: where it is faster (bf16_is_fast)
    channels_last: bool = True  # memory format CPUs' convolutions prefer
    limit_concepts: int = 0  # use only the first N concepts (tests, fit-first runs); 0 = all
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
    # 64 px at half the widths, the prompt drawing the layout too; the reconstruction keeps each training
    # prompt near its own emoji while the discriminator sharpens
    "emoji64": dict(image_size=64, g_width=16, d_width=16, rgb_skip=True, recon_weight=10.0, text_layout=True),
    # no discriminator, reconstruction alone (3-7x cheaper a step): the prompt learns its layout
    "emoji64_recon": dict(image_size=64, g_width=16, d_width=16, rgb_skip=True, recon_weight=1.0, text_layout=True,
                          gan_weight=0.0, lr_g=5e-4),
    # emoji64_recon with conditional IMLE: each real image (style, skin tone) claims its own noise
    "emoji64_imle": dict(image_size=64, g_width=16, d_width=16, rgb_skip=True, recon_weight=1.0, text_layout=True,
                         gan_weight=0.0, lr_g=5e-4, imle_samples=8, imle_every=4),
}


def model_args(config: Config, text_dim: int, num_classes: int) -> tuple[dict, dict]:
    shared = {"arch": config.arch, "text_dim": text_dim, "image_size": config.image_size}
    options = {"rgb_skip": True} if config.rgb_skip else {}  # absent when off: older exports' args stay equal
    options |= {"text_layout": True} if config.text_layout else {}
    d_args = {**shared, "num_classes": num_classes, "width": config.d_width}
    return {**shared, "z_dim": config.z_dim, "width": config.g_width, **options}, d_args


class Trainer:
    def __init__(self, config: Config, encoder: PromptEncoder | None = None, data: PromptImages | None = None):
        """`encoder` and `data` are loaded from the config unless given: trainers that share them (the
        training benchmark builds one per variant) skip the loading."""
        if config.loss not in ("hinge", "bce"):
            raise ValueError(f"loss must be hinge or bce, not {config.loss!r}")
        if not (config.gan_weight or config.recon_weight):
            raise ValueError("gan_weight=0 needs recon_weight > 0: the generator would have nothing to learn from")
        if config.imle_samples and not config.recon_weight:
            raise ValueError("imle_samples needs recon_weight > 0: the claimed noises serve the reconstruction")
        self.config = config
        self.dist = start_process(config)  # process group, threads, rank 0's bf16 choice, seed + rank
        self.device = self.dist.device
        saved = Path(config.saved) if config.saved else model_dir("main_model") / "saved"
        self.run_dir = RunDir(saved / (config.run or f"{config.config}-{config.image_size}px"))
        self.encoder = load_text_encoder(config.text_encoder) if encoder is None else encoder
        self.data = data if data is not None else PromptImages(
            load_text_image_data(config.dataset, config.image_size, config.limit_concepts), self.encoder)
        self.g_args, self.d_args = model_args(config, self.encoder.dim, len(self.data.data.class_names))
        torch.manual_seed(config.seed)  # identical initial weights on every rank
        self.generator = build_generator(**self.g_args).to(self.device)
        self.discriminator = build_discriminator(**self.d_args).to(self.device)
        if config.channels_last:
            self.generator.to(memory_format=torch.channels_last)
            self.discriminator.to(memory_format=torch.channels_last)
        self.ema = EMA(self.generator, config.ema_decay)
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr_d, betas=betas)
        self.g = self.dist.wrap(self.generator)
        self.d = self.dist.wrap(self.discriminator)
        self.noise_bank = self.selection = None
        if config.imle_samples:
            self.noise_bank = NoiseBank(len(self.data), config.z_dim, config.seed).to(self.device)
            self.selection = SelectionSpace(load_classifier(SHIPPED["emoji"])[0]).to(self.device)
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

    def init_from(self, path: Path) -> None:
        """Warm start (warm_start.py): G and its EMA from an export, D from beside it; optimisers start anew."""
        warm_start(path, self.generator, self.g_args, self.discriminator, self.d_args)
        self.ema.model.load_state_dict(self.generator.state_dict())

    # ------------------------------------------------------------------ exports
    def export(self, progress: Progress) -> None:
        """`generator.pt` (EMA weights, float16, what the server loads) and the discriminator beside it."""
        export_generator(self.run_dir.root / "generator.pt", self.ema.model, self.g_args,
                         self.inference_meta(progress))
        save_checkpoint(discriminator_path(self.run_dir.root / "generator.pt"), kind=DISCRIMINATOR_KIND,
                        model_args=self.d_args, state={"discriminator": self.discriminator.state_dict()},
                        half=True, meta={"epoch": progress.epoch})

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
    def train_step(self, real: torch.Tensor, concepts: torch.Tensor, claimed_z: torch.Tensor | None = None) -> dict:
        """One step; `claimed_z`: each real image's own noise (IMLE), else noises are drawn here."""
        config, device = self.config, self.device
        classes = self.data.classes_of(concepts).to(device)
        text = self.data.sample_captions(concepts).to(device)
        if config.text_noise:
            text = F.normalize(text + config.text_noise * torch.randn_like(text), dim=1)
        z = torch.randn(len(real), config.z_dim, device=device) if claimed_z is None else claimed_z.to(device)
        fake_text, fake_classes = text, classes
        if claimed_z is None and config.recon_weight:  # fakes in pairs of one caption, two noises
            n = len(text)
            fake_text, fake_classes = text[0::2].repeat_interleave(2, 0)[:n], classes[0::2].repeat_interleave(2, 0)[:n]
        augment = diff_augment if config.augment else (lambda x: x)
        with autocast(device, config.bf16):
            fake = self.g(z, fake_text)
        stats = self._discriminator_step(real, fake, text, fake_text, classes, augment) if config.gan_weight else {}

        loss_g = torch.zeros((), device=device)
        with autocast(device, config.bf16):
            if config.gan_weight:
                rf, m, c_fake, _ = self.d(augment(fake), fake_text)
                loss_g = loss_g + config.gan_weight * (losses.generator_gan_loss(rf, m, config.loss)
                                                       + config.class_weight * F.cross_entropy(c_fake.float(),
                                                                                               fake_classes))
                stats["class_accuracy_fake"] = (c_fake.argmax(1) == fake_classes).float().mean().item()
            if config.recon_weight:
                recon = (losses.best_of_pair_l1(fake.float(), real.float()) if claimed_z is None
                         else (fake.float() - real.float()).abs().mean())
                loss_g = loss_g + config.recon_weight * recon
                stats["recon_l1"] = recon.item()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.ema.update(self.generator, self.step)
        self.step += 1
        return {"loss_g": loss_g.item(), **stats}

    def _discriminator_step(self, real, fake, text, fake_text, classes, augment) -> dict:
        config, device = self.config, self.device
        with autocast(device, config.bf16):
            rf_real, m_real, c_real, m_wrong = self.d(augment(real), text, text.roll(1, dims=0))
            rf_fake, m_fake, _, _ = self.d(augment(fake.detach()), fake_text)
            loss_d = (losses.discriminator_gan_loss(rf_real, rf_fake, m_real, m_fake, m_wrong, config.loss,
                                             config.mismatch_weight, config.label_smoothing)
                      + config.class_weight * F.cross_entropy(c_real.float(), classes))
        if config.gp_weight and self.step % config.gp_every == 0:
            with autocast(device, config.bf16):
                loss_d = loss_d + losses.matching_gradient_penalty(self.d, augment(real), text,
                                                            config.gp_weight * config.gp_every, config.gp_power)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        return {"loss_d": loss_d.item(),
                "d_accuracy": 0.5 * ((rf_real > 0).float().mean().item() + (rf_fake < 0).float().mean().item()),
                "class_accuracy_real": (c_real.argmax(1) == classes).float().mean().item()}

    def _claim_noises(self, epoch: int) -> None:
        """IMLE: every training image claims the nearest of `imle_samples` noises for its prompt. The draw is
        seeded by the epoch, so every DDP rank (each refreshing all images) claims the same ones."""
        state = torch.get_rng_state()
        torch.manual_seed(self.config.seed * 100003 + epoch)
        distance = self.noise_bank.refresh(self.generator, self.selection, self.data.images,
                                           self.data.canonical(self.data.concept), self.config.imle_samples,
                                           self.device, self.config.bf16)
        torch.set_rng_state(state)
        if self.dist.is_main:
            print(f"epoch {epoch}: {len(self.data)} images claimed the nearest of {self.config.imle_samples} noises "
                  f"(mean distance {distance:.3f})", flush=True)

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
        # whole batches only, as many on every rank (an odd image count gives rank 0 one more: DDP would hang)
        steps = len(self.data) // self.dist.world_size // self.per_rank

        def start_epoch(epoch: int) -> None:
            nonlocal order
            self.generator.train()
            self.discriminator.train()
            order = self.epoch_order(epoch - 1)
            if self.noise_bank is not None and (epoch - 1) % config.imle_every == 0:
                self._claim_noises(epoch)

        def step(i: int, step_count: int) -> dict:
            batch = order[i * self.per_rank : (i + 1) * self.per_rank]
            real = self.data.images[batch].to(self.device)
            if config.channels_last:
                real = real.contiguous(memory_format=torch.channels_last)
            self.step = step_count - 1
            claimed = self.noise_bank.z[batch] if self.noise_bank is not None else None
            return self.train_step(real, self.data.concept[batch], claimed)

        training = TrainingRun(
            run=self.run_dir, ddp=self.dist, config=config, kind=TRAINING_KIND, model_args=self.g_args,
            modules={"generator": self.generator, "discriminator": self.discriminator, "ema": self.ema.model,
                     "opt_g": self.opt_g, "opt_d": self.opt_d,
                     **({"noise_bank": self.noise_bank} if self.noise_bank is not None else {})},
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
