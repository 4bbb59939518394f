"""Low-/high-resolution pairs: the high-resolution images and their bicubic 4x reductions.

`downscale` is the one degradation, used by the training data, the evaluation and the pipeline's
examples, so the generator is always asked to undo exactly what it was trained on.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from deep_learning.common.data.emoji import load_emoji
from deep_learning.common.data.folders import load_image_folder
from deep_learning.common.data.text_image import TEST, TRAIN


def downscale(image: np.ndarray, factor: int) -> np.ndarray:
    """uint8 HWC -> uint8 (H/factor, W/factor): PIL's antialiased bicubic reduction."""
    height, width = image.shape[:2]
    small = Image.fromarray(image).resize((width // factor, height // factor), Image.Resampling.BICUBIC)
    return np.asarray(small)


def upscale_bicubic(image: np.ndarray, factor: int) -> np.ndarray:
    """The baseline every metric compares with: PIL bicubic interpolation."""
    height, width = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((width * factor, height * factor), Image.Resampling.BICUBIC))


def load_high_res(data: str, size: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) uint8 NHWC images at `size` px: the emoji (held-out concepts apart) or a
    folder of any images (a deterministic tenth held out)."""
    if data == "emoji":
        emoji = load_emoji(64)
        images = emoji.images
        if size != images.shape[1]:
            images = np.stack([np.asarray(Image.fromarray(i).resize((size, size), Image.Resampling.LANCZOS))
                               for i in images])
        return images[emoji.split_images(TRAIN)], images[emoji.split_images(TEST)]
    images = load_image_folder(Path(data), size)
    order = np.random.default_rng(seed).permutation(len(images))
    cut = len(images) // 10
    return images[np.sort(order[cut:])], images[np.sort(order[:cut])]


def low_res_batch(images: np.ndarray, factor: int) -> np.ndarray:
    return np.stack([downscale(image, factor) for image in images])
