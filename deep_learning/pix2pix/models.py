"""Pix2Pix (Isola et al. 2017): a U-Net generator and a PatchGAN discriminator, sized for a CPU.

Generator: stride-2 4x4 convolutions down to 1x1 (BatchNorm + LeakyReLU), transposed convolutions back
up (BatchNorm + ReLU, dropout in the innermost decoder stages while training), each decoder stage fed
the mirrored encoder stage through a skip connection, tanh to RGB.
Discriminator: a PatchGAN on (sketch, image) pairs: a grid of logits, each judging one ~34 px patch.
"""

import math

import torch
from torch import nn

KIND = "pix2pix/generator"


class UNetGenerator(nn.Module):
    def __init__(self, in_channels: int = 1, out_channels: int = 3, image_size: int = 64, channels: int = 32,
                 max_channels: int = 256, dropout: float = 0.5, dropout_stages: int = 2):
        super().__init__()
        depth = math.log2(image_size)
        if depth != int(depth) or image_size < 8:
            raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
        self.image_size, depth = image_size, int(depth)
        widths = [min(channels * 2**i, max_channels) for i in range(depth)]
        self.down = nn.ModuleList()
        c_in = in_channels
        for i, width in enumerate(widths):
            norm = i not in (0, depth - 1)  # none on the input stage, none at 1x1 (as in pix2pix)
            self.down.append(nn.Sequential(
                nn.Conv2d(c_in, width, 4, stride=2, padding=1, bias=not norm),
                *([nn.BatchNorm2d(width)] if norm else []), nn.LeakyReLU(0.2)))
            c_in = width
        self.up = nn.ModuleList()
        for i in reversed(range(depth - 1)):  # innermost first; input: previous stage + skip
            skip = 1 if i == depth - 2 else 2
            stage = depth - 2 - i
            self.up.append(nn.Sequential(
                nn.ConvTranspose2d(c_in * skip, widths[i], 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(widths[i]), *([nn.Dropout(dropout)] if stage < dropout_stages else []), nn.ReLU()))
            c_in = widths[i]
        self.to_rgb = nn.Sequential(nn.ConvTranspose2d(c_in * 2, out_channels, 4, stride=2, padding=1), nn.Tanh())

    def forward(self, sketch: torch.Tensor) -> torch.Tensor:
        """[N, 1, S, S] sketch in [-1, 1] (strokes -1, paper 1) -> [N, 3, S, S] image in [-1, 1]."""
        skips, x = [], sketch
        for stage in self.down:
            x = stage(x)
            skips.append(x)
        skips.pop()  # the innermost output is x itself
        for stage in self.up:
            x = stage(x)
            x = torch.cat([x, skips.pop()], dim=1)
        return self.to_rgb(x)


class PatchDiscriminator(nn.Module):
    def __init__(self, in_channels: int = 1 + 3, channels: int = 32, layers: int = 2):
        super().__init__()
        blocks = [nn.Conv2d(in_channels, channels, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c_in = channels
        for i in range(1, layers + 1):
            width = channels * 2**i
            stride = 2 if i < layers else 1
            blocks += [nn.Conv2d(c_in, width, 4, stride=stride, padding=1, bias=False), nn.BatchNorm2d(width),
                       nn.LeakyReLU(0.2)]
            c_in = width
        blocks.append(nn.Conv2d(c_in, 1, 4, stride=1, padding=1))
        self.body = nn.Sequential(*blocks)

    def forward(self, sketch: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        """-> [N, 1, P, P] real/fake logits, one per patch."""
        return self.body(torch.cat([sketch, image], dim=1))

