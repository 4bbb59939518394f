"""Conversions between model tensors ([-1, 1], NCHW) and uint8 arrays / PIL images, and grids."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float NCHW -> uint8 NCHW."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_uint8(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 NHWC (as cached) or NCHW -> float [-1, 1] NCHW."""
    images = torch.as_tensor(images)
    if images.ndim == 3:
        images = images.unsqueeze(-1)
    if images.shape[-1] in (1, 3):
        images = images.permute(0, 3, 1, 2)
    return images.float() / 127.5 - 1


def to_pil(images: torch.Tensor) -> list[Image.Image]:
    """[-1, 1] float NCHW -> PIL images (greyscale for one channel)."""
    arrays = to_uint8(images).permute(0, 2, 3, 1).cpu().numpy()
    return [Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a) for a in arrays]


def grid(images: torch.Tensor, nrow: int, padding: int = 2) -> Image.Image:
    """[-1, 1] float NCHW -> one PIL image, `nrow` images a row, on white."""
    n, c, h, w = images.shape
    rows = (n + nrow - 1) // nrow
    canvas = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), 255, np.uint8)
    arrays = to_uint8(images).permute(0, 2, 3, 1).cpu().numpy()
    for i, array in enumerate(arrays):
        y, x = padding + (i // nrow) * (h + padding), padding + (i % nrow) * (w + padding)
        canvas[y : y + h, x : x + w] = array
    return Image.fromarray(canvas[..., 0] if c == 1 else canvas)


def label_rows(image: Image.Image, labels: list[str], row_height: int, padding: int = 2,
               font_size: int = 14) -> Image.Image:
    """The grid with a white margin on its left holding one label per row, vertically centred."""
    font = ImageFont.load_default(size=font_size)
    width = int(max(font.getlength(label) for label in labels)) + 3 * padding
    canvas = Image.new(image.mode, (width + image.width, image.height), "white")
    canvas.paste(image, (width, 0))
    draw = ImageDraw.Draw(canvas)
    for i, label in enumerate(labels):
        middle = padding + i * (row_height + padding) + row_height // 2
        draw.text((padding, middle), label, fill="black", font=font, anchor="lm")
    return canvas


def save_grid(images: torch.Tensor, path: Path, nrow: int, scale: int = 1, row_labels: list[str] | None = None) -> Path:
    """A grid, enlarged `scale` times with crisp pixels; `row_labels` are written left of the rows."""
    image = grid(images, nrow)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    if row_labels:
        image = label_rows(image, row_labels, images.shape[-2] * scale, padding=2 * scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
