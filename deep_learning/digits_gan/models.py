"""The digits GAN: a generator whose label input is a 10-d mix of digits, a projection critic, and the
small classifier whose objective shapes the generator during CAN training.

A label is a weight vector that sums to 1: one-hot asks for one digit, k-hot (1/k on k digits) for a
"creative" blend. Both networks are linear in the label where it enters, so a blend is literally the
weighted average of the per-digit conditioning. Nothing here imports training code.
"""

import torch
import torch.nn.functional as F
from torch import nn

from deep_learning.common.paths import model_dir

GENERATOR_KIND = "digits/generator"  # the small inference checkpoint: EMA generator only
TRAINING_KIND = "digits/training"  # everything a run needs to resume
SHIPPED = model_dir("digits_gan") / "checkpoints" / "digits.pt"


class LabelBatchNorm(nn.Module):
    """BatchNorm whose scale and shift come from the label mix (conditional BN, linear in the weights)."""

    def __init__(self, channels: int, label_dim: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.scale = nn.Linear(label_dim, channels, bias=False)
        self.shift = nn.Linear(label_dim, channels, bias=False)
        nn.init.zeros_(self.scale.weight)  # starts as plain BN: gain 1, shift 0
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        gain = 1 + self.scale(labels)[:, :, None, None]
        return self.norm(x) * gain + self.shift(labels)[:, :, None, None]


class _UpBlock(nn.Module):
    """2x nearest upsampling, 3x3 conv, label-conditioned BN, ReLU."""

    def __init__(self, c_in: int, c_out: int, label_dim: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.norm = LabelBatchNorm(c_out, label_dim)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))
        return F.relu(self.norm(x, labels))


class Generator(nn.Module):
    """(noise [N, z_dim], label weights [N, label_dim]) -> images [N, 1, 28, 28] in [-1, 1]."""

    def __init__(self, z_dim: int = 64, label_dim: int = 10, width: int = 32, image_size: int = 28):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        self.z_dim, self.label_dim, self.image_size = z_dim, label_dim, image_size
        self.base = image_size // 4
        self.embed = nn.Linear(label_dim, z_dim, bias=False)
        self.project = nn.Linear(2 * z_dim, 4 * width * self.base**2, bias=False)
        self.norm = LabelBatchNorm(4 * width, label_dim)
        self.up1 = _UpBlock(4 * width, 2 * width, label_dim)
        self.up2 = _UpBlock(2 * width, width, label_dim)
        self.to_image = nn.Conv2d(width, 1, 3, padding=1)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, self.embed(labels)], dim=1))
        h = F.relu(self.norm(h.view(len(z), -1, self.base, self.base), labels))
        h = self.up2(self.up1(h, labels), labels)
        return torch.tanh(self.to_image(h))


def _down(c_in: int, c_out: int, kernel: int = 4) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True))


def _side_after_three_downs(image_size: int) -> int:
    """28 -> 14 -> 7 -> 4 (the third conv rounds up), for images whose side is a multiple of 4."""
    return (image_size // 4 + 1) // 2


class Critic(nn.Module):
    """WGAN critic with a projection label term: D(x, y) = psi(f(x)) + <E y, f(x)>.

    No batch norm (the gradient penalty is per sample). Being linear in y, the score of a blend is the
    weighted average of the per-digit scores: a blend must look real as each of its digits.
    """

    def __init__(self, label_dim: int = 10, width: int = 32, image_size: int = 28):
        super().__init__()
        self.body = nn.Sequential(
            _down(1, width), _down(width, 2 * width), _down(2 * width, 4 * width, kernel=3), nn.Flatten(),
        )
        side = _side_after_three_downs(image_size)
        self.num_features = 4 * width * side**2
        self.score = nn.Linear(self.num_features, 1)
        self.embed = nn.Linear(label_dim, self.num_features, bias=False)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        features = self.body(images)
        return self.score(features).squeeze(1) + (self.embed(labels) * features).sum(1)


class DigitClassifier(nn.Module):
    """Trained on real digits beside the GAN; its cross-entropy against the requested mix shapes the
    generator (seed 003). Not the independent classifier that evaluates the result."""

    def __init__(self, num_classes: int = 10, width: int = 32, image_size: int = 28):
        super().__init__()
        side = _side_after_three_downs(image_size)
        self.net = nn.Sequential(  # a flat head: global pooling learned several times slower here
            _down(1, width, kernel=3), _down(width, 2 * width, kernel=3), _down(2 * width, 4 * width, kernel=3),
            nn.Flatten(), nn.Linear(4 * width * side**2, num_classes),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)
