"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) for a small data set.

Applied to real and generated images alike before the discriminator, so D cannot memorise the few
thousand emoji and G still learns the un-augmented distribution. Every op keeps gradients.
"""

import torch
import torch.nn.functional as F


def colour(x: torch.Tensor) -> torch.Tensor:
    n = len(x)
    x = x + (torch.rand(n, 1, 1, 1, device=x.device) - 0.5) * 0.4  # brightness
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) * 0.8 + 0.6) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) * 0.5 + 0.75) + mean  # contrast


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    shift = round(h * ratio)
    dx = torch.randint(-shift, shift + 1, (n, 1, 1), device=x.device)
    dy = torch.randint(-shift, shift + 1, (n, 1, 1), device=x.device)
    ys = (torch.arange(h, device=x.device)[None, :, None] + dy).clamp(-1, h)  # -1 and h index the padding
    xs = (torch.arange(w, device=x.device)[None, None, :] + dx).clamp(-1, w)
    padded = F.pad(x, (1, 1, 1, 1), value=1.0)  # white, the emoji background
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, ys + 1, xs + 1].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, ratio: float = 0.25) -> torch.Tensor:
    n, _, h, w = x.shape
    size = round(h * ratio)
    cy = torch.randint(0, h, (n, 1, 1), device=x.device)
    cx = torch.randint(0, w, (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    keep = ((ys - cy).abs() > size // 2) | ((xs - cx).abs() > size // 2)
    return x * keep[:, None].to(x.dtype)


def diff_augment(x: torch.Tensor) -> torch.Tensor:
    return cutout(translation(colour(x)))
