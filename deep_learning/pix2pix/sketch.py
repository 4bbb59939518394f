"""Line drawings from colour images, and canvas drawings brought into the same format.

The training inputs are `sketch_from_image(emoji)`: dark 1-2 px strokes on white where colour changes
(Sobel gradient of every RGB channel, the strongest channel wins, thresholded), which is what a person
draws on the canvas: outlines and the lines between coloured parts. `drawing_to_sketch` turns any
upload or canvas drawing into the same binary format at the model's size.
"""

import numpy as np
import torch
from PIL import Image, ImageOps

from deep_learning.common.data.text_image import flatten_on_white
from deep_learning.common.images import from_uint8

STROKE, PAPER = 0, 255
EDGE_THRESHOLD = 0.15  # Sobel magnitude (per channel, image in [0, 1]) above which a pixel is a stroke
COVERAGE_THRESHOLD = 0.1  # share of ink in a downscaled pixel above which it is a stroke (1 px pens at 8x)
MARGIN = 0.03  # white border around a fitted drawing: the median emoji has 2.3% (64 px: 1.5 px)


def _sobel_magnitude(channel: np.ndarray) -> np.ndarray:
    p = np.pad(channel, 1, mode="edge")
    rows = p[:-2] + 2 * p[1:-1] + p[2:]  # smoothed down the columns ...
    cols = p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]  # ... and along the rows
    gx, gy = rows[:, 2:] - rows[:, :-2], cols[2:] - cols[:-2]
    return np.hypot(gx, gy) / 4  # a step of height h gives magnitude h


def sketch_from_image(rgb: np.ndarray, threshold: float = EDGE_THRESHOLD) -> np.ndarray:
    """uint8 [H, W, 3] colour image (on white) -> uint8 [H, W] sketch: 0 = stroke, 255 = paper."""
    x = rgb.astype(np.float32) / 255
    magnitude = np.max(np.stack([_sobel_magnitude(x[..., c]) for c in range(3)]), axis=0)
    return np.where(magnitude > threshold, STROKE, PAPER).astype(np.uint8)


def sketches_of(images: np.ndarray) -> torch.Tensor:
    """uint8 NHWC images -> [N, 1, H, W] float sketches in [-1, 1]: the generator's training inputs."""
    return from_uint8(np.stack([sketch_from_image(image) for image in images])[..., None])


def to_grey_on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return Image.fromarray(flatten_on_white(np.asarray(image.convert("RGBA")))).convert("L")
    if image.mode in ("I", "I;16", "F"):  # 16-bit and float greyscale: scale to 8 bits first
        array = np.asarray(image, dtype=np.float64)
        span = array.max() - array.min()
        return Image.fromarray(((array - array.min()) / (span or 1) * 255).astype(np.uint8))
    return image.convert("L")


def drawing_to_sketch(image: Image.Image, size: int, fit: bool = True) -> Image.Image:
    """Any drawing (dark lines on a light background, any mode and size) -> binary `size` px sketch.

    `fit` crops to the drawn part and centres it in a square with an emoji-like margin, so a small
    drawing in a corner of the canvas looks like the full-frame training sketches.
    """
    grey = to_grey_on_white(image)
    ink = 255 - np.asarray(grey, dtype=np.float32)
    if fit and (ink > 64).any():
        rows, cols = np.flatnonzero((ink > 64).any(1)), np.flatnonzero((ink > 64).any(0))
        grey = grey.crop((cols[0], rows[0], cols[-1] + 1, rows[-1] + 1))
    side = max(grey.size)
    square = Image.new("L", (side, side), 255)
    square.paste(grey, ((side - grey.width) // 2, (side - grey.height) // 2))
    if fit:
        square = ImageOps.expand(square, border=round(side * MARGIN / (1 - 2 * MARGIN)), fill=255)
    coverage = 1 - np.asarray(square.resize((size, size), Image.Resampling.BOX), dtype=np.float32) / 255
    return Image.fromarray(np.where(coverage > COVERAGE_THRESHOLD, STROKE, PAPER).astype(np.uint8))
