"""Pix2Pix's training-speed case (deep_learning/common/benchmark_case.py): one D + G step, one generator batch."""

import copy

import torch

from deep_learning.common import benchmark_case as bench


def case(variant: bench.Variant) -> bench.Case:
    from deep_learning.pix2pix import training_loop as loop

    shipped, config = bench.configs(loop, variant)
    fmt = bench.memory_format(variant)
    generator, discriminator = (model.to(memory_format=fmt) for model in loop.build_models(config)[:2])
    opt_g, opt_d, g_train, d_train = bench.optimised_pair(generator, discriminator, variant, config.lr, config.lr,
                                                          config.beta1)
    n, size = config.batch_size, config.image_size
    sketch = torch.where(torch.rand(n, 1, size, size) < 0.1, -1.0, 1.0).contiguous(memory_format=fmt)
    image = bench.synthetic(n, 3, size, size, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, opt_g, opt_d, sketch, image, config)

    # no EMA in pix2pix: the shipped generator is the trained one, in eval mode (dropout off)
    generate = bench.inference(copy.deepcopy(generator).eval(), variant, sketch)
    return bench.Case(n, step, n, generate, bench.is_default(shipped, variant))
