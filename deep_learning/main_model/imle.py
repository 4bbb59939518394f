"""Conditional IMLE (Li & Malik 2018; cIMLE, Li, Zhang & Malik 2020): every real image claims its own noise.

For each training image, `samples` noises are drawn for its concept's prompt and the one whose picture lies
nearest to that image is kept; the generator is then pulled towards the image from that noise alone. Each
real variant of a concept (six art styles, skin tones) so owns a region of the noise space, and different
seeds of one prompt give different variants instead of their average (best-of-two against one random image
of the concept collapsed the seeds). Nearness is measured where a picture's look lives rather than in raw
pixels: 16 px colours (layout and palette) plus the emoji classifier's features (what is drawn, and how).
As in the paper, the choice is refreshed every few epochs, not every step: a refresh costs `samples`
generator passes per image, without gradients.
"""

import torch
import torch.nn.functional as F
from torch import nn

from deep_learning.common.device import autocast

PIXELS = 16 * 16 * 3  # the colour part of a selection embedding


class SelectionSpace(nn.Module):
    """Where nearness is measured: a frozen image classifier trained on real emoji (features unit-normed)
    beside the image at 16 px."""

    def __init__(self, classifier: nn.Module):
        super().__init__()
        self.classifier = classifier.eval().requires_grad_(False)

    @torch.no_grad()
    def embed(self, images: torch.Tensor) -> torch.Tensor:
        images = images.float()
        small = F.interpolate(images, size=(16, 16), mode="area").flatten(1)  # PIXELS values
        features = F.normalize(self.classifier.features(images).float(), dim=1)
        # the mean |colour difference| (in [0, 2]) and the squared feature distance (in [0, 4]) weigh about alike
        return torch.cat([small / PIXELS, features], dim=1)

    @staticmethod
    def distance(target: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """[n, k] distances of each target embedding [n, D] to its own k candidates [n, k, D]: L1 on the pixel
        part, squared L2 on the features."""
        difference = candidates - target[:, None]
        return difference[..., :PIXELS].abs().sum(-1) + difference[..., PIXELS:].pow(2).sum(-1)


class NoiseBank(nn.Module):
    """The noise each training image claims; saved with the training checkpoint, so a resumed run keeps it."""

    def __init__(self, n_images: int, z_dim: int, seed: int = 0):
        super().__init__()
        self.register_buffer("z", torch.randn(n_images, z_dim, generator=torch.Generator().manual_seed(seed)))

    @torch.no_grad()
    def refresh(self, generator: nn.Module, space: SelectionSpace, images: torch.Tensor, text: torch.Tensor,
                samples: int, device: torch.device, bf16: bool, batch: int = 64) -> float:
        """For every image (and its prompt's embedding, `text`), draws `samples` noises and keeps the one
        whose picture is nearest. Returns the mean distance of the kept pictures."""
        was_training = generator.training
        generator.eval()
        total = 0.0
        for start in range(0, len(images), batch):
            real = images[start : start + batch].to(device)
            prompts = text[start : start + batch].to(device)
            n = len(real)
            z = torch.randn(n * samples, self.z.shape[1], device=device)
            with autocast(device, bf16):
                fake = generator(z, prompts.repeat_interleave(samples, 0))
            target = space.embed(real)
            candidates = space.embed(fake).view(n, samples, -1)
            distance = SelectionSpace.distance(target, candidates)
            best = distance.argmin(1)
            self.z[start : start + n] = z.view(n, samples, -1)[torch.arange(n, device=device), best].to(self.z)
            total += distance.min(1).values.sum().item()
        generator.train(was_training)
        return total / max(1, len(images))
