"""The image set of the unconditional and image-to-image GANs (DCGAN, Pix2Pix, SRGAN): the emoji with
their held-out concepts apart, or any folder of images with a deterministic tenth held out.

One resampling for every size: PIL's Lanczos from the 64 px emoji, the originals. The 32 and 64 px caches
are read as they are, since `build_emoji` made them exactly that way (the 32 px cache equals the 64 px
one reduced with Lanczos, pixel for pixel); image folders are centre-cropped and reduced with Lanczos too.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from deep_learning.common.data.emoji import load_emoji
from deep_learning.common.data.folders import load_image_folder
from deep_learning.common.data.text_image import TEST, TRAIN

EMOJI = "emoji"
CACHED_SIZES = (32, 64)
ORIGINAL_SIZE = 64
HELD_OUT = 10  # a folder holds out one image in this many


def resize_lanczos(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 NHWC -> uint8 [N, size, size, 3], each image with PIL's Lanczos filter."""
    if images.shape[1:3] == (size, size):
        return images
    return np.stack([np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))
                     for image in images])


def load_image_split(data: str, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) uint8 NHWC images at `size` px. `data`: "emoji" (the held-out concepts are
    the held-out images, so evaluations score prompts never trained on) or a folder of images (every
    image below it; `seed` picks which tenth is held out)."""
    if data == EMOJI:
        emoji = load_emoji(size if size in CACHED_SIZES else ORIGINAL_SIZE)
        images = resize_lanczos(emoji.images, size)
        return images[emoji.split_images(TRAIN)], images[emoji.split_images(TEST)]
    images = load_image_folder(Path(data), size)
    order = np.random.default_rng(seed).permutation(len(images))
    cut = len(images) // HELD_OUT
    return images[np.sort(order[cut:])], images[np.sort(order[:cut])]
