"""DCGAN's training-speed case (deep_learning/common/benchmark_case.py): one D + G step, one generator batch."""

import torch

from deep_learning.common import benchmark_case as bench


def case(variant: bench.Variant) -> bench.Case:
    from deep_learning.common.training import EMA
    from deep_learning.dcgan import training_loop as loop

    shipped, config = bench.configs(loop, variant)
    fmt = bench.memory_format(variant)
    generator, discriminator = (model.to(memory_format=fmt) for model in loop.build_models(config)[:2])
    ema = EMA(generator, config.ema_decay)
    opt_g, opt_d, g_train, d_train = bench.optimised_pair(generator, discriminator, variant, config.lr_g, config.lr_d,
                                                          config.beta1)
    real = bench.synthetic(config.batch_size, 3, config.image_size, config.image_size, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, opt_g, opt_d, real, torch.randn(len(real), config.z_dim),
                        config)
        ema.update(generator)

    z = torch.randn(config.batch_size, config.z_dim)
    return bench.Case(config.batch_size, step, config.batch_size, bench.inference(ema.model, variant, z),
                bench.is_default(shipped, variant))
