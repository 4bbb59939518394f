"""Text to image's training-speed cases (deep_learning/common/benchmark_case.py), one per recipe: a cycle of
`gp_every` steps (one with the gradient penalty) on real emoji and caption embeddings through the loop's own
Trainer, and one generator batch. backend/registry.py names them in the text-to-image entry.
"""

import tempfile
from dataclasses import replace
from functools import cache

import torch

from deep_learning.common.benchmark_case import (
    Case,
    Variant,
    compiled,
    inference,
    is_default,
    memory_format,
    on_request,
)


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
    trainer.g, trainer.d = compiled(trainer.generator, variant), compiled(trainer.discriminator, variant)
    rows = torch.arange(config.batch_size)
    real = data.images[rows].contiguous(memory_format=memory_format(variant))
    cycle = config.gp_every if config.gp_weight else 1  # one penalty step per cycle, as in training

    claimed = trainer.noise_bank.z[rows] if trainer.noise_bank is not None else None  # IMLE's own noises

    def step():
        for _ in range(cycle):
            trainer.train_step(real, data.concept[rows], claimed)

    z, text = torch.randn(config.batch_size, config.z_dim), data.canonical(data.concept[rows])
    return Case(cycle * config.batch_size, step, config.batch_size,
                inference(trainer.ema.model, variant, z, text), is_default(shipped, variant))


def seed001(variant: Variant) -> Case:
    return text_to_image(variant, "seed001")


def text_to_image_64(variant: Variant) -> Case:
    """The default recipe at 64 px: the step `emoji64` is measured against."""
    return text_to_image(variant, "default", image_size=64)


def emoji64(variant: Variant) -> Case:
    return text_to_image(variant, "emoji64")


@on_request
def emoji64_imle(variant: Variant) -> Case:
    """The reconstruction stage with conditional IMLE: a refresh (imle_samples generator passes an image every
    imle_every epochs) is not in this step; the training log's images_per_s includes it."""
    return text_to_image(variant, "emoji64_imle")


CASES = {"text_to_image": text_to_image, "text_to_image_64": text_to_image_64, "emoji64": emoji64,
         "emoji64_imle": emoji64_imle, "seed001": seed001}
