"""One faithful training step and one generator batch per model, at its default config, for
`benchmark_training.py`: the training loop's own step function on tensors of the right shapes (synthetic
images; the text-to-image models take real emoji and caption embeddings through their own Trainer).

A "step" is one cycle of the loop's schedule: text-to-image (default) runs `gp_every` steps, one with the
gradient penalty; digits runs `n_critic` critic steps and one generator step; `Case.images` counts the
images the loop itself counts for that cycle.
"""

import copy
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import torch

from deep_learning.common.device import autocast
from deep_learning.common.training import EMA

MODELS = ["text_to_image", "text_to_image_64", "emoji64", "emoji64p", "seed001", "digits_gan", "dcgan", "pix2pix",
          "srgan"]  # what `make benchmark-training` runs; BUILDERS also has emoji64_b128, on request (--models=)


@dataclass(frozen=True)
class Variant:
    name: str
    bf16: bool  # bfloat16 autocast
    channels_last: bool  # models and inputs in NHWC
    compile: bool = False  # torch.compile (inductor) of the networks


VARIANTS = {v.name: v for v in [
    Variant("fp32", False, False), Variant("channels_last", False, True), Variant("bf16", True, False),
    Variant("bf16+channels_last", True, True), Variant("bf16+cl+compile", True, True, compile=True)]}


@dataclass
class Case:
    """One model built for one variant: a training cycle and a generator forward, each a closure."""
    images: int  # images one call of `step` trains on
    step: Callable[[], object]
    gen_images: int  # images one call of `generate` makes
    generate: Callable[[], object]
    default: bool  # the variant is what the model's training config ships


def _fmt(variant: Variant) -> torch.memory_format:
    return torch.channels_last if variant.channels_last else torch.contiguous_format


def _synthetic(*shape: int, fmt=torch.contiguous_format) -> torch.Tensor:
    return (torch.rand(*shape) * 2 - 1).contiguous(memory_format=fmt)


def _compiled(module, variant: Variant):
    return torch.compile(module) if variant.compile else module


def _inference(generator, variant: Variant, *inputs) -> Callable[[], object]:
    generator = _compiled(generator, variant)

    @torch.inference_mode()
    def generate():
        with autocast(torch.device("cpu"), variant.bf16):
            return generator(*inputs).float()

    return generate


def _configs(loop, variant: Variant):
    """The loop's shipped config, and the same with the variant's precision and memory format."""
    shipped = loop.Config()
    return shipped, replace(shipped, bf16=variant.bf16, channels_last=variant.channels_last)


def _adam(module: torch.nn.Module, lr: float, beta1: float) -> torch.optim.Adam:
    return torch.optim.Adam(module.parameters(), lr, betas=(beta1, 0.999))


def _is_default(config, variant: Variant) -> bool:
    return not variant.compile and (config.bf16, config.channels_last) == (variant.bf16, variant.channels_last)


# ---------------------------------------------------------------- one builder per model ------------------

@cache
def _text_image_data(text_encoder: str, dataset: str, image_size: int):
    """The encoder and the training data, loaded once for all the trainers this run builds."""
    from deep_learning.common.text_encoders import load_text_encoder
    from deep_learning.main_model.data import PromptImages, load_text_image_data

    encoder = load_text_encoder(text_encoder)
    return encoder, PromptImages(load_text_image_data(dataset, image_size), encoder)


def text_to_image(variant: Variant, preset: str = "default", **overrides) -> Case:
    from deep_learning.main_model import training_loop as loop

    shipped = loop.Config(**{**loop.PRESETS[preset], "config": preset, "device": "cpu", "saved": tempfile.gettempdir(),
                             **overrides})
    config = replace(shipped, bf16=variant.bf16, channels_last=variant.channels_last)
    encoder, data = _text_image_data(config.text_encoder, config.dataset, config.image_size)
    trainer = loop.Trainer(config, encoder, data)
    trainer.g, trainer.d = _compiled(trainer.generator, variant), _compiled(trainer.discriminator, variant)
    rows = torch.arange(config.batch_size)
    real = data.images[rows].contiguous(memory_format=_fmt(variant))
    cycle = config.gp_every if config.gp_weight else 1  # one penalty step per cycle, as in training

    def step():
        for _ in range(cycle):
            trainer.train_step(real, data.concept[rows])

    z, text = torch.randn(config.batch_size, config.z_dim), data.canonical(data.concept[rows])
    return Case(cycle * config.batch_size, step, config.batch_size,
                _inference(trainer.ema.model, variant, z, text), _is_default(shipped, variant))


def seed001(variant: Variant) -> Case:
    return text_to_image(variant, "seed001")


def text_to_image_64(variant: Variant) -> Case:
    """The default recipe at 64 px: the step `emoji64` is measured against."""
    return text_to_image(variant, "default", image_size=64)


def emoji64(variant: Variant) -> Case:
    return text_to_image(variant, "emoji64")


def emoji64_b128(variant: Variant) -> Case:
    """emoji64 at twice the batch and half as many gradient penalties per image (the throughput ablation)."""
    return text_to_image(variant, "emoji64", batch_size=128, lr_g=1.4e-4, lr_d=5.6e-4, gp_every=8)


def emoji64p(variant: Variant) -> Case:
    """emoji64's generator against the projected discriminator (no gradient penalty)."""
    return text_to_image(variant, "emoji64p")


def digits_gan(variant: Variant) -> Case:
    from deep_learning.digits_gan import training_loop as loop
    from deep_learning.digits_gan.labels import one_hot, sample_k_hot

    shipped, config = _configs(loop, variant)
    _, models, opts = loop.build(config, 28, torch.device("cpu"))
    fmt = _fmt(variant)
    generator, critic, classifier = models["generator"], models["critic"], models.get("classifier")
    ema = EMA(generator, config.ema_decay)
    g_train, d_train = _compiled(generator, variant), _compiled(critic, variant)
    c_train = _compiled(classifier, variant) if classifier is not None else None
    n = config.batch_size
    real, digits = _synthetic(n, 1, 28, 28, fmt=fmt), torch.randint(0, 10, (n,))

    def step():
        for _ in range(config.n_critic):
            loop.critic_step(generator, d_train, opts["opt_d"], real, one_hot(digits), config)
            if c_train is not None:
                loop.classifier_step(c_train, opts["opt_c"], real, digits, config)
        loop.generator_step(g_train, critic, classifier, opts["opt_g"], n, config, real.device)
        ema.update(generator)

    z, labels = torch.randn(n, config.z_dim), sample_k_hot(n, config.pan)
    return Case(config.n_critic * n, step, n, _inference(ema.model, variant, z, labels),
                _is_default(shipped, variant))


def dcgan(variant: Variant) -> Case:
    from deep_learning.dcgan import training_loop as loop

    shipped, config = _configs(loop, variant)
    fmt = _fmt(variant)
    generator, discriminator = (model.to(memory_format=fmt) for model in loop.build_models(config)[:2])
    ema = EMA(generator, config.ema_decay)
    opt_g, opt_d = _adam(generator, config.lr_g, config.beta1), _adam(discriminator, config.lr_d, config.beta1)
    g_train, d_train = _compiled(generator, variant), _compiled(discriminator, variant)
    real = _synthetic(config.batch_size, 3, config.image_size, config.image_size, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, opt_g, opt_d, real, torch.randn(len(real), config.z_dim),
                        config)
        ema.update(generator)

    z = torch.randn(config.batch_size, config.z_dim)
    return Case(config.batch_size, step, config.batch_size, _inference(ema.model, variant, z),
                _is_default(shipped, variant))


def pix2pix(variant: Variant) -> Case:
    from deep_learning.pix2pix import training_loop as loop

    shipped, config = _configs(loop, variant)
    fmt = _fmt(variant)
    generator, discriminator = (model.to(memory_format=fmt) for model in loop.build_models(config)[:2])
    opt_g, opt_d = _adam(generator, config.lr, config.beta1), _adam(discriminator, config.lr, config.beta1)
    g_train, d_train = _compiled(generator, variant), _compiled(discriminator, variant)
    n, size = config.batch_size, config.image_size
    sketch = torch.where(torch.rand(n, 1, size, size) < 0.1, -1.0, 1.0).contiguous(memory_format=fmt)
    image = _synthetic(n, 3, size, size, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, opt_g, opt_d, sketch, image, config)

    # no EMA in pix2pix: the shipped generator is the trained one, in eval mode (dropout off)
    return Case(n, step, n, _inference(copy.deepcopy(generator).eval(), variant, sketch), _is_default(shipped, variant))


def srgan(variant: Variant) -> Case:
    """The GAN stage (18 of the 24 default epochs): discriminator, perceptual loss and pixel L1."""
    from deep_learning.srgan import training_loop as loop
    from deep_learning.srgan.models import Discriminator, Generator
    from deep_learning.srgan.perceptual import ClassifierFeatureLoss

    shipped, config = _configs(loop, variant)
    fmt = _fmt(variant)
    generator = Generator(**loop.model_args_of(config)).to(memory_format=fmt)
    discriminator = Discriminator(config.d_channels).to(memory_format=fmt)
    perceptual = ClassifierFeatureLoss.from_checkpoint(config.perceptual_network).to(memory_format=fmt)
    ema = EMA(generator, config.ema_decay)
    opt_g, opt_d = _adam(generator, config.lr_g, config.beta1), _adam(discriminator, config.lr_d, config.beta1)
    g_train, d_train = _compiled(generator, variant), _compiled(discriminator, variant)
    n, crop, scale = config.batch_size, config.crop, config.scale
    high, low = _synthetic(n, 3, crop, crop, fmt=fmt), _synthetic(n, 3, crop // scale, crop // scale, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, perceptual, opt_g, opt_d, low, high, True, config)
        ema.update(generator)

    whole = _synthetic(n, 3, config.hr_size // scale, config.hr_size // scale, fmt=fmt)  # inference: whole images
    return Case(n, step, n, _inference(ema.model, variant, whole), _is_default(shipped, variant))


BUILDERS = {"text_to_image": text_to_image, "text_to_image_64": text_to_image_64, "emoji64": emoji64,
            "emoji64_b128": emoji64_b128, "emoji64p": emoji64p, "seed001": seed001, "digits_gan": digits_gan,
            "dcgan": dcgan, "pix2pix": pix2pix, "srgan": srgan}


def shipped_variant(model: str) -> Variant:
    """The variant the model's training config uses (the configs live with the loops: build and ask)."""
    return next(v for v in VARIANTS.values() if not v.compile and BUILDERS[model](v).default)
