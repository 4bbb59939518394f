"""Scores from features and logits, through torchmetrics; pure tensor math, no networks, no I/O.

Features are extracted once (real-image features are cached on disk) and handed to torchmetrics'
metrics through a pass-through "feature extractor", so the same numbers come out whatever network
made the features: Inception pool features for FID/KID, an independent classifier's logits for IS.
"""

import warnings

import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance

# torchmetrics warns that KID and IS keep every feature in memory: that is what we hand them anyway.
warnings.filterwarnings("ignore", message=".*will save all extracted features in buffer.*")
warnings.filterwarnings("ignore", message="std\\(\\): degrees of freedom.*")

FID, KID, KID_STD, IS, IS_STD, ACCURACY = "fid", "kid", "kid_std", "is", "is_std", "class_accuracy"


class _Precomputed(nn.Module):
    """Lets torchmetrics take features that were already extracted."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    metric = FrechetInceptionDistance(feature=_Precomputed(real.shape[1]))
    metric.update(real.double(), real=True)
    metric.update(fake.double(), real=False)
    return float(metric.compute())


def kernel_distance(real: torch.Tensor, fake: torch.Tensor, subset_size: int = 100, subsets: int = 100,
                    seed: int = 0) -> tuple[float, float]:
    """KID mean and std over random subsets (seeded: subsets are drawn with torch's global RNG)."""
    subset_size = min(subset_size, len(real), len(fake))
    metric = KernelInceptionDistance(feature=_Precomputed(real.shape[1]), subset_size=subset_size, subsets=subsets)
    metric.update(real.double(), real=True)
    metric.update(fake.double(), real=False)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std)


def inception_score(logits: torch.Tensor, splits: int = 1, seed: int = 0) -> tuple[float, float]:
    """exp(E[KL(p(y|x) || p(y))]); with splits=1 it does not depend on batching or order."""
    metric = InceptionScore(feature=_Precomputed(logits.shape[1]), splits=splits)
    metric.update(logits.double())
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std) if splits > 1 else 0.0


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return float((logits.argmax(1) == labels).float().mean())
