"""Generators and discriminators for text to image. Nothing here imports training code.

Two architectures, chosen by the checkpoint's `arch`:
- `seed001`: seed 001's design as documented: noise -> 8x8x1024, the text embedding -> 8x8x20 by a
  transposed convolution, concatenated, then transposed-convolution upsampling with BN + LeakyReLU;
  its discriminator has a real/fake and an auxiliary class head (TAC-GAN), text joined at 4x4.
- `dfgan`: what text-to-image GANs learned since: DF-GAN-style fusion (every block modulated by an
  affine transform of [text, noise]), bilinear upsampling (no checkerboards), residual blocks, a
  spectrally normalised discriminator with real/fake, matching and class heads.
Every discriminator returns (real/fake logit, matching logit, class logits, matching logit for
`wrong_text` or None): one forward scores an image against its own and a mismatched caption.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def _unit_scale(text: torch.Tensor) -> torch.Tensor:
    """Encoders give unit-norm embeddings, whose components are ~1/sqrt(dim): next to 100 unit-variance
    noise values the text would be a whisper, and G learns to ignore it. Scale to unit variance."""
    return text * math.sqrt(text.shape[1])


def _n_up(image_size: int, start: int) -> int:
    n = math.log2(image_size / start)
    if n < 1 or n != int(n):
        raise ValueError(f"image_size must be {start} times a power of two, got {image_size}")
    return int(n)


# ---------------------------------------------------------------- seed 001 ---------------------------

class Seed001Generator(nn.Module):
    def __init__(self, text_dim: int, z_dim: int = 100, image_size: int = 32, width: int = 1024,
                 text_channels: int = 20):
        super().__init__()
        self.z_dim = z_dim
        self.noise = nn.Sequential(nn.ConvTranspose2d(z_dim, width, 8), nn.BatchNorm2d(width), nn.LeakyReLU(0.2))
        self.text = nn.Sequential(nn.ConvTranspose2d(text_dim, text_channels, 8), nn.LeakyReLU(0.2))
        layers, c = [], width + text_channels
        for _ in range(_n_up(image_size, 8)):
            c_out = max(c // 2, 64) if c != width + text_channels else width // 2
            layers += [nn.ConvTranspose2d(c, c_out, 4, 2, 1), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2)]
            c = c_out
        self.body = nn.Sequential(*layers, nn.Conv2d(c, 3, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        text = _unit_scale(text)
        x = torch.cat([self.noise(z[..., None, None]), self.text(text[..., None, None])], dim=1)
        return self.body(x)


class Seed001Discriminator(nn.Module):
    def __init__(self, text_dim: int, num_classes: int, image_size: int = 32, width: int = 64,
                 text_channels: int = 128):
        super().__init__()
        layers, c = [], 3
        for i in range(_n_up(image_size, 4)):
            c_out = width * 2**i
            layers += [nn.Conv2d(c, c_out, 4, 2, 1)] + ([nn.BatchNorm2d(c_out)] if i else []) + [nn.LeakyReLU(0.2)]
            c = c_out
        self.body = nn.Sequential(*layers)
        self.text = nn.Sequential(nn.Linear(text_dim, text_channels), nn.LeakyReLU(0.2))
        self.real_fake = nn.Conv2d(c, 1, 4)
        self.match = nn.Sequential(nn.Conv2d(c + text_channels, c, 1), nn.BatchNorm2d(c), nn.LeakyReLU(0.2),
                                   nn.Conv2d(c, 1, 4))
        self.classes = nn.Conv2d(c, num_classes, 4)

    def _match(self, h: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        t = self.text(_unit_scale(text))[..., None, None].expand(-1, -1, *h.shape[-2:])
        return self.match(torch.cat([h, t], 1)).flatten(1)[:, 0]

    def forward(self, images: torch.Tensor, text: torch.Tensor, wrong_text: torch.Tensor | None = None):
        h = self.body(images)
        wrong = self._match(h, wrong_text) if wrong_text is not None else None
        return self.real_fake(h).flatten(1)[:, 0], self._match(h, text), self.classes(h).flatten(1), wrong


# ---------------------------------------------------------------- DF-GAN style -----------------------

class Affine(nn.Module):
    """Per-channel scale and shift predicted from the condition; starts as the identity."""

    def __init__(self, cond_dim: int, channels: int, hidden: int = 128):
        super().__init__()
        self.gamma = nn.Sequential(nn.Linear(cond_dim, hidden), nn.ReLU(), nn.Linear(hidden, channels))
        self.beta = nn.Sequential(nn.Linear(cond_dim, hidden), nn.ReLU(), nn.Linear(hidden, channels))
        for head, bias in ((self.gamma, 1.0), (self.beta, 0.0)):
            nn.init.zeros_(head[2].weight)
            nn.init.constant_(head[2].bias, bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return x * self.gamma(cond)[..., None, None] + self.beta(cond)[..., None, None]


class FusionUpBlock(nn.Module):
    """Upsample x2, then two (affine -> LeakyReLU -> conv) steps, plus a 1x1 shortcut."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int):
        super().__init__()
        self.affine1, self.conv1 = Affine(cond_dim, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.affine2, self.conv2 = Affine(cond_dim, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        h = self.conv1(F.leaky_relu(self.affine1(x, cond), 0.2))
        h = self.conv2(F.leaky_relu(self.affine2(h, cond), 0.2))
        return self.shortcut(x) + h


class DFGenerator(nn.Module):
    """With `rgb_skip`, the image is also drawn at half resolution (`to_rgb_low`) and the last block only
    adds to its enlargement (StyleGAN2's skip generator, one level): a model grown from a half-resolution
    export starts as that export's images, enlarged, when the new `to_rgb` starts at zero. With
    `text_layout`, the 4x4 start is drawn from the prompt as well as the noise (DF-GAN draws it from the
    noise alone, so the noise chooses the silhouette and the prompt only modulates it); its text part starts
    at zero, so a checkpoint without it loads as it was."""

    def __init__(self, text_dim: int, z_dim: int = 100, image_size: int = 32, width: int = 32,
                 max_channels: int = 256, rgb_skip: bool = False, text_layout: bool = False):
        super().__init__()
        self.z_dim = z_dim
        n = _n_up(image_size, 4)
        channels = [min(width * 2 ** (n - i), max_channels) for i in range(n + 1)]
        cond_dim = z_dim + text_dim
        self.fc = nn.Linear(z_dim, channels[0] * 16)
        self.text_fc = nn.Linear(text_dim, channels[0] * 16) if text_layout else None
        if self.text_fc is not None:
            nn.init.zeros_(self.text_fc.weight)
            nn.init.zeros_(self.text_fc.bias)
        self.blocks = nn.ModuleList(FusionUpBlock(channels[i], channels[i + 1], cond_dim) for i in range(n))
        self.to_rgb = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(channels[-1], 3, 3, padding=1))
        self.to_rgb_low = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(channels[-2], 3, 3, padding=1)) \
            if rgb_skip else None

    def forward(self, z: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        text = _unit_scale(text)
        cond = torch.cat([z, text], dim=1)
        x = self.fc(z) if self.text_fc is None else self.fc(z) + self.text_fc(text)
        x = x.view(len(z), -1, 4, 4)
        for block in self.blocks[:-1]:
            x = block(x, cond)
        low = self.to_rgb_low(x) if self.to_rgb_low is not None else None
        rgb = self.to_rgb(self.blocks[-1](x, cond))
        if low is not None:
            rgb = rgb + F.interpolate(low, scale_factor=2, mode="bilinear", align_corners=False)
        return torch.tanh(rgb)


class DownBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv1 = spectral_norm(nn.Conv2d(c_in, c_out, 3, padding=1))
        self.conv2 = spectral_norm(nn.Conv2d(c_out, c_out, 4, 2, 1))
        self.shortcut = spectral_norm(nn.Conv2d(c_in, c_out, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.leaky_relu(self.conv1(F.leaky_relu(x, 0.2)), 0.2))
        return F.avg_pool2d(self.shortcut(x), 2) + h


class DFDiscriminator(nn.Module):
    def __init__(self, text_dim: int, num_classes: int, image_size: int = 32, width: int = 32,
                 max_channels: int = 256, text_channels: int = 64):
        super().__init__()
        n = _n_up(image_size, 4)
        channels = [min(width * 2**i, max_channels) for i in range(n + 1)]
        self.from_rgb = spectral_norm(nn.Conv2d(3, channels[0], 3, padding=1))
        self.blocks = nn.Sequential(*(DownBlock(channels[i], channels[i + 1]) for i in range(n)))
        c = channels[-1]
        self.real_fake = spectral_norm(nn.Linear(c, 1))
        self.classes = spectral_norm(nn.Linear(c, num_classes))
        self.text = spectral_norm(nn.Linear(text_dim, text_channels))
        self.match = nn.Sequential(spectral_norm(nn.Conv2d(c + text_channels, c, 3, padding=1)), nn.LeakyReLU(0.2),
                                   spectral_norm(nn.Conv2d(c, 1, 4)))

    def _match(self, h: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        t = self.text(_unit_scale(text))[..., None, None].expand(-1, -1, *h.shape[-2:])
        return self.match(torch.cat([h, t], dim=1)).flatten(1)[:, 0]

    def forward(self, images: torch.Tensor, text: torch.Tensor, wrong_text: torch.Tensor | None = None):
        h = F.leaky_relu(self.blocks(self.from_rgb(images)), 0.2)
        pooled = h.sum(dim=(2, 3))
        wrong = self._match(h, wrong_text) if wrong_text is not None else None
        return self.real_fake(pooled)[:, 0], self._match(h, text), self.classes(pooled), wrong


ARCHITECTURES = {"seed001": (Seed001Generator, Seed001Discriminator), "dfgan": (DFGenerator, DFDiscriminator)}


def build_generator(arch: str, **kwargs) -> nn.Module:
    return ARCHITECTURES[arch][0](**kwargs)


def build_discriminator(arch: str, **kwargs) -> nn.Module:
    return ARCHITECTURES[arch][1](**kwargs)
