"""The classifiers' labelled images: emoji by subcategory or by concept (a tenth of the images held out),
and MNIST digits (its own test set held out)."""

import numpy as np
import torch

from deep_learning.common.data.emoji import load_emoji
from deep_learning.common.data.mnist import load_mnist
from deep_learning.common.images import from_uint8


def load_labelled_images(dataset: str, val_fraction: float = 0.1, seed: int = 0, limit: int = 0):
    """(train images, train labels, val images, val labels, class names), images in [-1, 1]. `dataset`:
    emoji, emoji_concept or mnist; `val_fraction` and `seed`: which emoji images are held out (MNIST
    keeps its own test set); `limit`: only the first N training images (tests), 0 = all."""
    if dataset == "mnist":
        (xs, ys), (xv, yv) = load_mnist("train"), load_mnist("test")
        names = [str(d) for d in range(10)]
    elif dataset in ("emoji", "emoji_concept"):
        data = load_emoji(32)
        labels = data.image_class() if dataset == "emoji" else data.concept
        order = np.random.default_rng(seed).permutation(len(labels))
        if dataset == "emoji_concept":  # hold out only second images: every concept stays learnt
            _, first = np.unique(labels[order], return_index=True)
            order = np.concatenate([np.delete(order, first), order[first]])
        cut = round(len(order) * val_fraction)
        xs, ys, xv, yv = data.images[order[cut:]], labels[order[cut:]], data.images[order[:cut]], labels[order[:cut]]
        names = data.class_names if dataset == "emoji" else data.concepts
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    if limit:
        xs, ys = xs[:limit], ys[:limit]
    return from_uint8(xs), torch.as_tensor(ys), from_uint8(xv), torch.as_tensor(yv), names
