"""SRGAN's training-speed case (deep_learning/common/benchmark_case.py): the GAN stage (18 of the 24 default
epochs: discriminator, perceptual loss and pixel L1), and the generator on whole images."""

from deep_learning.common import benchmark_case as bench


def case(variant: bench.Variant) -> bench.Case:
    from deep_learning.common.training import EMA
    from deep_learning.srgan import training_loop as loop
    from deep_learning.srgan.models import Discriminator, Generator
    from deep_learning.srgan.perceptual import ClassifierFeatureLoss

    shipped, config = bench.configs(loop, variant)
    fmt = bench.memory_format(variant)
    generator = Generator(**loop.model_args_of(config)).to(memory_format=fmt)
    discriminator = Discriminator(config.d_channels).to(memory_format=fmt)
    perceptual = ClassifierFeatureLoss.from_checkpoint(config.perceptual_network).to(memory_format=fmt)
    ema = EMA(generator, config.ema_decay)
    opt_g, opt_d, g_train, d_train = bench.optimised_pair(generator, discriminator, variant, config.lr_g, config.lr_d,
                                                          config.beta1)
    n, crop, scale = config.batch_size, config.crop, config.scale
    high, low = bench.synthetic(n, 3, crop, crop, fmt=fmt), bench.synthetic(n, 3, crop // scale, crop // scale, fmt=fmt)

    def step():
        loop.train_step(g_train, d_train, discriminator, perceptual, opt_g, opt_d, low, high, True, config)
        ema.update(generator)

    whole = bench.synthetic(n, 3, config.hr_size // scale, config.hr_size // scale, fmt=fmt)  # inference: whole images
    return bench.Case(n, step, n, bench.inference(ema.model, variant, whole), bench.is_default(shipped, variant))
