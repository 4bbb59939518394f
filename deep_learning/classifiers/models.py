"""A small CNN classifier, and the loader for its shipped checkpoints.

Trained on real images only (never on generator output, and it is not any GAN's discriminator), so
it can judge generated images: classifier-based Inception Score, class accuracy of prompts/labels,
and FID on its penultimate features for MNIST.
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from deep_learning.common.checkpoint import load_checkpoint, load_float_state
from deep_learning.common.paths import model_dir

KIND = "classifier"
SHIPPED = {name: model_dir("classifiers") / "checkpoints" / f"{name}.pt"
           for name in ("emoji", "emoji_concept", "mnist")}


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
    )


class ImageClassifier(nn.Module):
    def __init__(self, num_classes: int, in_channels: int = 3, image_size: int = 32, width: int = 32):
        super().__init__()
        self.image_size = image_size
        self.body = nn.Sequential(
            _block(in_channels, width), nn.MaxPool2d(2),
            _block(width, 2 * width), nn.MaxPool2d(2),
            _block(2 * width, 4 * width), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.num_features = 4 * width
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.num_features, num_classes))

    def resize(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] == self.image_size:
            return images
        return F.interpolate(images, size=(self.image_size, self.image_size), mode="bilinear",
                             antialias=True, align_corners=False)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """[-1, 1] images of any size -> penultimate features."""
        return self.body(self.resize(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def load_classifier(path: Path | str) -> tuple[ImageClassifier, dict]:
    """The classifier in eval mode, and the checkpoint's metadata (class names, accuracy ...)."""
    checkpoint = load_checkpoint(path, kind=KIND)
    model = ImageClassifier(**checkpoint["model_args"])
    model.load_state_dict(load_float_state(checkpoint["state"]["model"]))
    return model.eval().requires_grad_(False), checkpoint["meta"]


@torch.inference_mode()
def classify(model: ImageClassifier, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Logits for [-1, 1] images, batched."""
    return torch.cat([model(images[i : i + batch_size]) for i in range(0, len(images), batch_size)])
