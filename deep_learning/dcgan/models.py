"""Seed 002's DCGAN for 32x32 colour images, in PyTorch.

Generator: noise (100) -> dense 4x4x256 + LeakyReLU -> stride-2 transposed convolutions (4x4 kernels,
a multiple of the stride against checkerboards) with BatchNorm + LeakyReLU -> 3x3 conv -> tanh.
Discriminator: 3x3 conv, then stride-2 4x4 convs, each with BatchNorm + LeakyReLU, dropout, one logit
(the seed's sigmoid sits in the loss: `binary_cross_entropy_with_logits` is the same, only stabler).
Both take the image size as an argument: one more stage for every doubling past 32 px.
"""

import math

import torch
from torch import nn

KIND = "dcgan/generator"


def _stages(image_size: int) -> int:
    stages = math.log2(image_size / 4)
    if image_size < 8 or stages != int(stages):
        raise ValueError(f"image_size must be 4 * 2**k with k >= 1, got {image_size}")
    return int(stages)


class Generator(nn.Module):
    def __init__(self, z_dim: int = 100, image_size: int = 32, dense_channels: int = 256, channels: int = 128):
        super().__init__()
        self.z_dim, self.image_size, self.dense_channels = z_dim, image_size, dense_channels
        self.dense = nn.Sequential(nn.Linear(z_dim, 4 * 4 * dense_channels), nn.LeakyReLU(0.2))
        layers, c_in = [], dense_channels
        for _ in range(_stages(image_size)):
            layers += [nn.ConvTranspose2d(c_in, channels, 4, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(channels), nn.LeakyReLU(0.2)]
            c_in = channels
        layers += [nn.Conv2d(channels, 3, 3, padding=1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """[N, z_dim] noise -> [N, 3, size, size] images in [-1, 1]."""
        return self.body(self.dense(z).view(-1, self.dense_channels, 4, 4))


class Discriminator(nn.Module):
    def __init__(self, image_size: int = 32, channels: tuple[int, ...] = (64, 128, 128, 256), dropout: float = 0.4):
        super().__init__()
        stages = _stages(image_size)
        # the seed's widths for 32 px; larger images repeat the widest stage
        widths = list(channels[1:]) + [channels[-1]] * max(0, stages - len(channels) + 1)
        layers = [nn.Conv2d(3, channels[0], 3, padding=1, bias=False), nn.BatchNorm2d(channels[0]), nn.LeakyReLU(0.2)]
        c_in = channels[0]
        for width in widths[:stages]:
            layers += [nn.Conv2d(c_in, width, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(width),
                       nn.LeakyReLU(0.2)]
            c_in = width
        layers += [nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in * 4 * 4, 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """[N, 3, size, size] in [-1, 1] -> [N] real/fake logits."""
        return self.body(images).squeeze(1)


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: N(0, 0.02) for convolutions and dense layers, N(1, 0.02) for BatchNorm scales."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
