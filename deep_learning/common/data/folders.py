"""Loaders for data a user brings: Oxford-102 in seed 001's layout, and a plain image folder."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from deep_learning.common.data.text_image import TEST, TRAIN, TextImageData

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def _square(path: Path, size: int) -> np.ndarray:
    """Centre-cropped to a square and resized, RGB uint8."""
    with Image.open(path) as image:
        return np.asarray(ImageOps.fit(image.convert("RGB"), (size, size), Image.Resampling.LANCZOS))


def load_caption_folders(root: Path, size: int = 64) -> TextImageData:
    """Seed 001's layout: `<root>/{train,test}/<class>/<name>.jpg` beside `<name>.txt`, a caption a line.

    Each image is its own concept (its captions are its prompts); the class is its folder; the split
    comes from the `train`/`test` folder.
    """
    root = Path(root)
    class_names = sorted({p.name for split in ("train", "test") for p in (root / split).glob("*") if p.is_dir()})
    if not class_names:
        raise FileNotFoundError(f"{root}: expected train/<class>/ and test/<class>/ folders")
    images, captions, concept_class, concept_split = [], [], [], []
    for split_name, split in (("train", TRAIN), ("test", TEST)):
        for path in sorted((root / split_name).glob("*/*")):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            text = path.with_suffix(".txt")
            lines = [line.strip() for line in text.read_text().splitlines()] if text.is_file() else []
            lines = [line for line in lines if line]
            if not lines:
                raise ValueError(f"{path} has no captions: expected them in {text}")
            images.append(_square(path, size))
            captions.append(lines)
            concept_class.append(class_names.index(path.parent.name))
            concept_split.append(split)
    count = len(images)
    return TextImageData(
        images=np.stack(images), concept=np.arange(count), style=np.zeros(count, dtype=np.int64),
        concepts=[lines[0] for lines in captions], captions=captions,
        concept_class=np.asarray(concept_class, dtype=np.int64),
        concept_split=np.asarray(concept_split, dtype=np.int64),
        class_names=class_names, style_names=["photo"],
    )


def load_image_folder(root: Path, size: int = 32) -> np.ndarray:
    """Every image below `root` (CompCars-style), centre-cropped and resized: uint8 [N, size, size, 3]."""
    paths = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise FileNotFoundError(f"no images found below {root}")
    return np.stack([_square(path, size) for path in paths])
