"""The digits GAN's training options and presets. Apart from training_loop.py, so that evaluate.py rebuilds
the command that trained a checkpoint (from the options stored in it) without importing training code."""

from dataclasses import dataclass, field

from deep_learning.common.device import bf16_is_fast


@dataclass
class Config:
    config: str = "can"  # preset this run started from: can or baseline
    run: str = ""  # run folder under `saved`; default: the preset's name
    epochs: int = 6  # passes of the critic over the training digits (6: the shipped checkpoint)
    batch_size: int = 64  # per process
    n_critic: int = 2  # critic updates per generator update (the paper used 5; 2 fits a 2-core CPU budget)
    gp_weight: float = 10.0  # WGAN-GP gradient penalty weight (seed 003: 10)
    drift: float = 1e-3  # small penalty on real scores, keeps the critic's output from drifting
    pan: float = 0.1  # pan-classness of the k-hot label meta-distribution; 0 = one-hot only
    class_weight: float = 1.0  # weight of the classifier objective in the generator loss; 0 = no classifier
    lr_g: float = 2e-4  # Adam learning rate of the generator
    lr_d: float = 2e-4  # Adam learning rate of the critic
    lr_c: float = 1e-3  # Adam learning rate of the classifier (trained on real digits only)
    beta1: float = 0.0  # Adam betas as in the WGAN-GP paper
    beta2: float = 0.9
    z_dim: int = 64  # noise ("style") dimensions
    g_width: int = 32  # generator channels at 28 px (x2 at 14 px, x4 at 7 px)
    d_width: int = 32  # critic channels at 14 px (x2, x4 below)
    ema_decay: float = 0.999  # EMA of the generator weights (warmed up); samples and shipped weights use it
    bf16: bool = field(default_factory=bf16_is_fast)  # bfloat16 autocast; default: where it is faster (bf16_is_fast)
    channels_last: bool = True  # NHWC models and batches: +20-50% training steps with bf16 (benchmark_training)
    limit: int = 0  # use only the first N training digits (tests); 0 = all 60,000
    checkpoint_every: int = 1  # epochs between checkpoints and accuracy checks
    sample_every: int = 1  # epochs between sample grids
    keep_checkpoints: int = 3  # newest full checkpoints kept in the run folder
    check_per_digit: int = 100  # one-hot samples per digit for the accuracy check in the log; 0 = none
    resume: bool = False  # continue from the run folder's latest checkpoint
    seed: int = 0
    device: str = "auto"  # auto, cpu or cuda
    saved: str = ""  # folder of run folders; default: deep_learning/digits_gan/saved
    out: str = ""  # inference checkpoint written at the end; default: <run>/digits.pt (shipping is an explicit
    # --out=deep_learning/digits_gan/checkpoints/digits.pt)


PRESETS = {
    "can": {},
    "baseline": {"pan": 0.0, "class_weight": 0.0},
}
