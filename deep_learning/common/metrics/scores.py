"""Scores from features and logits, through torchmetrics; pure tensor math, no networks, no I/O.

Features are extracted once (real-image features are cached on disk) and handed to torchmetrics'
metrics through a pass-through "feature extractor", so the same numbers come out whatever network
made the features: Inception pool features for FID/KID, an independent classifier's logits for IS.
Paired image quality (L1, PSNR, SSIM) compares an output with the image it should have been.
"""

import warnings

import numpy as np
import torch
from torch import nn
from torchmetrics.functional.image import structural_similarity_index_measure
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance

# torchmetrics warns that KID and IS keep every feature in memory: that is what we hand them anyway.
warnings.filterwarnings("ignore", message=".*will save all extracted features in buffer.*")
warnings.filterwarnings("ignore", message="std\\(\\): degrees of freedom.*")

FID, KID, KID_STD, IS, IS_STD, ACCURACY = "fid", "kid", "kid_std", "is", "is_std", "class_accuracy"
CONCEPT_TOP5, DIVERSITY, CLIP_SCORE = "concept_top5", "diversity", "clip_score"
CONCEPT_TOP1 = "concept_top1"  # the judge names the prompt's own concept first
PIXEL_DIVERSITY = "pixel_diversity"  # diversity measured on the pixels rather than on judge features
FID_EMOJI = "fid_emoji"  # FID in the emoji classifier's features: no ImageNet in them (Kynkäänniemi et al. 2023)
L1, PSNR, SSIM = "l1", "psnr", "ssim"  # paired image quality: an output against the image it should be


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


def fid_kid(real: torch.Tensor, fake: torch.Tensor) -> dict:
    """FID and KID (mean, std) of two feature sets, rounded as the reports print them."""
    kid, kid_std = kernel_distance(real, fake)
    return {FID: round(frechet_distance(real, fake), 2), KID: round(kid, 4), KID_STD: round(kid_std, 4)}


def psnr(outputs: torch.Tensor, targets: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """PSNR in dB of each image (NCHW, values within `data_range`); identical images read 100 dB, not inf."""
    error = (outputs.double() - targets.double()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(data_range**2 / error.clamp_min(1e-10 * data_range**2))


def image_quality(outputs: np.ndarray, targets: np.ndarray, batch_size: int = 50) -> dict:
    """Mean L1 (0..1), PSNR (dB) and SSIM (11 px Gaussian window) of uint8 NHWC outputs against targets.
    Per image, in batches: torchmetrics' SSIM needs ~20 MB an image at 64 px."""
    l1, peak, ssim = [], [], []
    for i in range(0, len(outputs), batch_size):
        a = torch.as_tensor(outputs[i : i + batch_size]).permute(0, 3, 1, 2).double() / 255
        b = torch.as_tensor(targets[i : i + batch_size]).permute(0, 3, 1, 2).double() / 255
        l1.append((a - b).abs().flatten(1).mean(1))
        peak.append(psnr(a, b))
        ssim.append(structural_similarity_index_measure(a, b, data_range=1.0, reduction="none"))
    return {L1: round(float(torch.cat(l1).mean()), 4), PSNR: round(float(torch.cat(peak).mean()), 3),
            SSIM: round(float(torch.cat(ssim).mean()), 4)}


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


def top_k_accuracy(logits: torch.Tensor, labels: torch.Tensor, k: int = 5) -> float:
    """Share of rows whose label is among the k highest logits."""
    return float((logits.topk(min(k, logits.shape[1]), dim=1).indices == labels[:, None]).any(1).float().mean())


def mean_pairwise_distance(features: torch.Tensor) -> float:
    """Mean Euclidean distance over all unordered pairs of rows (0 for fewer than two rows)."""
    if len(features) < 2:
        return 0.0
    distances = torch.pdist(features.double())
    return float(distances.mean())


def diversity_ratio(fake_groups: list[torch.Tensor], real_groups: list[torch.Tensor]) -> float:
    """Variety across seeds against the variety of the real images, group by group (one group = one prompt):
    sum of the fake groups' mean pairwise distances over the same sum for the real groups. 1 = as varied
    as the real images of those prompts; 0 = every seed gives the same picture."""
    fake = sum(mean_pairwise_distance(g) for g in fake_groups)
    real = sum(mean_pairwise_distance(g) for g in real_groups)
    return fake / real if real > 0 else float("nan")
