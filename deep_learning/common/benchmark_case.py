"""What a model's training-speed case is (`deep_learning/<model>/benchmark.py`), for `benchmark_training.py`:
one faithful training cycle and one generator batch, built for a variant (precision, memory format, compile).

A case uses its loop's own step function on tensors of the right shapes at its default config; `Case.images`
counts the images the loop itself counts for that cycle. The registry entry (backend/registry.py) names each
model's cases, so a new model's case is its own file and one line of its entry. Importing this module loads no
training code: the cases import their loops when they are built.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from deep_learning.common.device import autocast


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


Builder = Callable[[Variant], Case]


def on_request(builder: Builder) -> Builder:
    """Marks a case that `make benchmark-training` runs only when `--models=` names it."""
    builder.on_request = True
    return builder


def memory_format(variant: Variant) -> torch.memory_format:
    return torch.channels_last if variant.channels_last else torch.contiguous_format


def synthetic(*shape: int, fmt=torch.contiguous_format) -> torch.Tensor:
    return (torch.rand(*shape) * 2 - 1).contiguous(memory_format=fmt)


def compiled(module, variant: Variant):
    return torch.compile(module) if variant.compile else module


def inference(generator, variant: Variant, *inputs) -> Callable[[], object]:
    generator = compiled(generator, variant)

    @torch.inference_mode()
    def generate():
        with autocast(torch.device("cpu"), variant.bf16):
            return generator(*inputs).float()

    return generate


def configs(loop, variant: Variant):
    """The loop's shipped config, and the same with the variant's precision and memory format."""
    shipped = loop.Config()
    return shipped, replace(shipped, bf16=variant.bf16, channels_last=variant.channels_last)


def adam(module: torch.nn.Module, lr: float, beta1: float) -> torch.optim.Adam:
    return torch.optim.Adam(module.parameters(), lr, betas=(beta1, 0.999))


def optimised_pair(generator, discriminator, variant: Variant, lr_g: float, lr_d: float, beta1: float):
    """(opt_g, opt_d, g_train, d_train): Adam for each network, and each as the variant runs it (compiled or not)."""
    return (adam(generator, lr_g, beta1), adam(discriminator, lr_d, beta1), compiled(generator, variant),
            compiled(discriminator, variant))


def is_default(config, variant: Variant) -> bool:
    return not variant.compile and (config.bf16, config.channels_last) == (variant.bf16, variant.channels_last)


def shipped_variant(builder: Builder) -> Variant:
    """The variant the model's training config uses (the configs live with the loops: build and ask)."""
    return next(v for v in VARIANTS.values() if not v.compile and builder(v).default)
