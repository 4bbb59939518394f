"""The digits GAN's training-speed case (deep_learning/common/benchmark_case.py): `n_critic` critic steps and
one generator step (the loop's cycle), and one generator batch of k-hot labels."""

import torch

from deep_learning.common import benchmark_case as bench


def case(variant: bench.Variant) -> bench.Case:
    from deep_learning.common.training import EMA
    from deep_learning.digits_gan import training_loop as loop
    from deep_learning.digits_gan.labels import one_hot, sample_k_hot

    shipped, config = bench.configs(loop, variant)
    _, models, opts = loop.build(config, 28, torch.device("cpu"))
    generator, critic, classifier = models["generator"], models["critic"], models.get("classifier")
    ema = EMA(generator, config.ema_decay)
    g_train, d_train = bench.compiled(generator, variant), bench.compiled(critic, variant)
    c_train = bench.compiled(classifier, variant) if classifier is not None else None
    n = config.batch_size
    real, digits = bench.synthetic(n, 1, 28, 28, fmt=bench.memory_format(variant)), torch.randint(0, 10, (n,))

    def step():
        for _ in range(config.n_critic):
            loop.critic_step(generator, d_train, opts["opt_d"], real, one_hot(digits), config)
            if c_train is not None:
                loop.classifier_step(c_train, opts["opt_c"], real, digits, config)
        loop.generator_step(g_train, critic, classifier, opts["opt_g"], n, config, real.device)
        ema.update(generator)

    z, labels = torch.randn(n, config.z_dim), sample_k_hot(n, config.pan)
    generate = bench.inference(ema.model, variant, z, labels)
    return bench.Case(config.n_critic * n, step, n, generate, bench.is_default(shipped, variant))
