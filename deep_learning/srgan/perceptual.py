"""The perceptual (content) loss: feature distances in our own emoji classifier, not VGG.

VGG-19 (SRGAN's choice) has no offline source here. The independent emoji classifier
(`deep_learning/classifiers`, trained on real 32 px emoji only) is the network we have: its first two
convolution blocks run fully convolutionally at any resolution and give 32- and 64-channel feature maps
at full and half resolution. Frozen, in eval mode.
"""

from pathlib import Path

import torch
from torch import nn

from deep_learning.classifiers.models import SHIPPED, ImageClassifier, load_classifier

DEFAULT_NETWORK = SHIPPED["emoji"]


class ClassifierFeatureLoss(nn.Module):
    def __init__(self, classifier: ImageClassifier):
        super().__init__()
        body = classifier.body  # block, pool, block, pool, block, global pool, flatten
        self.block1, self.block2 = body[0], nn.Sequential(body[1], body[2])
        self.eval().requires_grad_(False)

    @classmethod
    def from_checkpoint(cls, path: str | Path = DEFAULT_NETWORK) -> "ClassifierFeatureLoss":
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} is missing: train it with `python deep_learning/classifiers/"
                                    "training_loop.py --dataset=emoji`, or pass --perceptual_weight=0")
        return cls(load_classifier(path)[0])

    def train(self, mode: bool = True) -> "ClassifierFeatureLoss":
        return super().train(False)  # BatchNorm keeps the classifier's statistics

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean L1 distance of block-1 and block-2 features, images in [-1, 1]."""
        with torch.no_grad():
            t1 = self.block1(target)
            t2 = self.block2(t1)
        o1 = self.block1(output)
        o2 = self.block2(o1)
        return (o1 - t1).abs().mean() + (o2 - t2).abs().mean()
