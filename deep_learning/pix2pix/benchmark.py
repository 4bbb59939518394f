"""Pix2Pix's training-speed case (deep_learning/common/benchmark_case.py): one D + G step, one generator batch."""

import copy

import torch

from deep_learning.common.benchmark_case import (
    Case,
    Variant,
    adam,
    compiled,
    configs,
    inference,
    is_default,
    memory_format,
    synthetic,
)


def case(variant: Variant) -> Case:
    from deep_learning.pix2pix import training_loop as loop

    shipped, config = configs(loop, variant)
    fmt = memory_format(variant)
    generator, discriminator = (model.to(memory_format=fmt) for model in loop.build_models(config)[:2])
    opt_g, opt_d = adam(generator, config.lr, config.beta1), adam(discriminator, config.lr, config.beta1)
    g_train, d_train = compiled(generator, variant), compiled(discriminator, variant)
    n, size = config.batch_size, config.image_size
    sketch = torch.where(torch.rand(n, 1, size, size) < 0.1, -1.0, 1.0).contiguous(memory_format=fmt)
    image = synthetic(n, 3, size, size, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, opt_g, opt_d, sketch, image, config)

    # no EMA in pix2pix: the shipped generator is the trained one, in eval mode (dropout off)
    return Case(n, step, n, inference(copy.deepcopy(generator).eval(), variant, sketch), is_default(shipped, variant))
