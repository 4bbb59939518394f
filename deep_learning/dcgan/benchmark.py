"""DCGAN's training-speed case (deep_learning/common/benchmark_case.py): one D + G step, one generator batch."""

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
    from deep_learning.common.training import EMA
    from deep_learning.dcgan import training_loop as loop

    shipped, config = configs(loop, variant)
    fmt = memory_format(variant)
    generator, discriminator = (model.to(memory_format=fmt) for model in loop.build_models(config)[:2])
    ema = EMA(generator, config.ema_decay)
    opt_g, opt_d = adam(generator, config.lr_g, config.beta1), adam(discriminator, config.lr_d, config.beta1)
    g_train, d_train = compiled(generator, variant), compiled(discriminator, variant)
    real = synthetic(config.batch_size, 3, config.image_size, config.image_size, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, opt_g, opt_d, real, torch.randn(len(real), config.z_dim),
                        config)
        ema.update(generator)

    z = torch.randn(config.batch_size, config.z_dim)
    return Case(config.batch_size, step, config.batch_size, inference(ema.model, variant, z),
                is_default(shipped, variant))
