"""Low-/high-resolution pairs: the high-resolution images (`common.data.image_split`) and their bicubic
reductions.

`downscale` is the one degradation, used by the training data, the evaluation and the pipeline's
examples, so the generator is always asked to undo exactly what it was trained on.
"""

import numpy as np
from PIL import Image


def downscale(image: np.ndarray, factor: int) -> np.ndarray:
    """uint8 HWC -> uint8 (H/factor, W/factor): PIL's antialiased bicubic reduction."""
    height, width = image.shape[:2]
    small = Image.fromarray(image).resize((width // factor, height // factor), Image.Resampling.BICUBIC)
    return np.asarray(small)


def upscale_bicubic(image: np.ndarray, factor: int) -> np.ndarray:
    """The baseline every metric compares with: PIL bicubic interpolation."""
    height, width = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((width * factor, height * factor), Image.Resampling.BICUBIC))


def low_res_batch(images: np.ndarray, factor: int) -> np.ndarray:
    return np.stack([downscale(image, factor) for image in images])
