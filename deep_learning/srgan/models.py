"""SRGAN (Ledig et al. 2017) for 4x super-resolution, sized for a CPU.

Generator: conv stem + PReLU, residual blocks (conv-PReLU-conv, no BatchNorm: the output must not depend
on the batch or the input size), a long skip, two x2 pixel-shuffle stages (ICNR-initialised against
checkerboards), a conv to RGB, added to the bicubic upsampling of the input, so an untrained generator
already returns bicubic and training learns only the missing detail. Fully convolutional: any input size.
Discriminator: strided 3x3 convs with spectral norm + LeakyReLU, global average pool, one logit.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

KIND = "srgan/generator"


def icnr_(weight: torch.Tensor, upscale: int) -> None:
    """Initialises a conv that feeds PixelShuffle(upscale) so all sub-pixels start equal (no checkerboard)."""
    out_channels, in_channels, kh, kw = weight.shape
    sub = torch.empty(out_channels // upscale**2, in_channels, kh, kw)
    nn.init.kaiming_normal_(sub, nonlinearity="relu")
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(upscale**2, dim=0))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.PReLU(channels),
                                  nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Generator(nn.Module):
    def __init__(self, channels: int = 32, blocks: int = 6, scale: int = 4):
        super().__init__()
        if scale not in (2, 4, 8):
            raise ValueError(f"scale must be 2, 4 or 8, got {scale}")
        self.scale = scale
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 5, padding=2), nn.PReLU(channels))
        self.blocks = nn.Sequential(*[ResidualBlock(channels) for _ in range(blocks)],
                                    nn.Conv2d(channels, channels, 3, padding=1))
        upsample = []
        for _ in range(scale.bit_length() - 1):
            conv = nn.Conv2d(channels, channels * 4, 3, padding=1)
            icnr_(conv.weight, 2)
            upsample += [conv, nn.PixelShuffle(2), nn.PReLU(channels)]
        self.upsample = nn.Sequential(*upsample)
        self.to_rgb = nn.Conv2d(channels, 3, 3, padding=1)
        nn.init.zeros_(self.to_rgb.weight)  # starts as bicubic, then learns the residual
        nn.init.zeros_(self.to_rgb.bias)

    def forward(self, low_res: torch.Tensor) -> torch.Tensor:
        """[N, 3, h, w] in [-1, 1] -> [N, 3, scale*h, scale*w] (not clamped: losses see the raw output)."""
        features = self.stem(low_res)
        features = features + self.blocks(features)
        residual = self.to_rgb(self.upsample(features))
        base = F.interpolate(low_res, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return base + residual


class Discriminator(nn.Module):
    def __init__(self, channels: tuple[int, ...] = (32, 64, 128, 128)):
        super().__init__()
        layers, c_in = [spectral_norm(nn.Conv2d(3, channels[0], 3, padding=1)), nn.LeakyReLU(0.2)], channels[0]
        for width in channels:
            layers += [spectral_norm(nn.Conv2d(c_in, width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),
                       spectral_norm(nn.Conv2d(width, width, 3, padding=1)), nn.LeakyReLU(0.2)]
            c_in = width
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), spectral_norm(nn.Linear(c_in, 1))]
        self.body = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """[N, 3, H, W] in [-1, 1] -> [N] real/fake logits."""
        return self.body(images).squeeze(1)
