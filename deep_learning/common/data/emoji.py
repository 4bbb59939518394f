"""The emoji text-to-image data set, built offline from npm packages.

Images: `emoji-datasource-<style>` (Twemoji, Noto), 64 px RGBA PNGs flattened on white; every art
style and single skin-tone variant of an emoji is another picture of the same concept. Captions: the
CLDR name and keywords from `emojibase-data`, plus emoji-datasource's name and short names. Class: the
Unicode subcategory (plant-flower, food-fruit, animal-bird, ...), the role Oxford-102's classes played.
"""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from deep_learning.common.data.text_image import TEST, TextImageData, flatten_on_white, split_by_concept
from deep_learning.common.paths import CACHE_DIR, NPM_DIR

STYLES = ("twitter", "google")
# Flags are text-like rectangles; components are lone skin-tone swatches and hair pieces.
EXCLUDED_CATEGORIES = ("Flags", "Component")
SKIN_TONES = ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")


def cache_path(size: int) -> Path:
    return CACHE_DIR / f"emoji_{size}.npz"


def load_emoji(size: int = 32) -> TextImageData:
    """The cached data set at `size` px (32 or 64); `make data` builds it."""
    return TextImageData.load(cache_path(size))


def _emojibase_by_hexcode(npm_dir: Path) -> dict[str, dict]:
    entries = json.loads((npm_dir / "emojibase-data/en/data.json").read_text())
    return {entry["hexcode"].replace("-FE0F", ""): entry for entry in entries}


def _captions(entry: dict, cldr: dict | None) -> list[str]:
    """The canonical prompt first (CLDR name, as people say it), then its other names and keywords."""
    names = [cldr["label"]] if cldr else []
    names.append(entry["name"].lower())
    names += [short.replace("_", " ").replace("-", " ") for short in entry["short_names"]]
    if cldr and cldr.get("tags"):
        names.append(f"{cldr['label']}, {', '.join(cldr['tags'][:6])}")
    return list(dict.fromkeys(name.strip() for name in names if name.strip()))


def _variant_images(entry: dict, style: str) -> list[str]:
    """The base image and each single-tone skin variant that this style draws."""
    flag = f"has_img_{style}"
    images = [entry["image"]] if entry.get(flag) else []
    for key, variant in (entry.get("skin_variations") or {}).items():
        tones = key.split("-")
        if len(set(tones)) == 1 and tones[0] in SKIN_TONES and variant.get(flag):
            images.append(variant["image"])
    return images


def build_emoji(
    sizes: Sequence[int] = (32, 64),
    styles: Sequence[str] = STYLES,
    include_flags: bool = False,
    test_fraction: float = 0.2,
    seed: int = 0,
    npm_dir: Path = NPM_DIR,
    limit: int | None = None,
) -> dict[int, TextImageData]:
    """Reads the npm packages into one `TextImageData` per size; `limit` keeps the first N concepts."""
    excluded = set(EXCLUDED_CATEGORIES) - ({"Flags"} if include_flags else set())
    entries = json.loads((npm_dir / f"emoji-datasource-{styles[0]}/emoji.json").read_text())
    entries = sorted((e for e in entries if e["category"] not in excluded), key=lambda e: e["sort_order"])
    entries = entries[:limit] if limit else entries
    cldr = _emojibase_by_hexcode(npm_dir)
    class_names = sorted({entry["subcategory"] for entry in entries})

    pictures = {size: [] for size in sizes}
    concept, style_of, concepts, captions, concept_class = [], [], [], [], []
    for entry in entries:
        files = [(s, name) for s, style in enumerate(styles) for name in _variant_images(entry, style)]
        if not files:
            continue
        index = len(concepts)
        names = _captions(entry, cldr.get(entry["unified"].replace("-FE0F", "")))
        concepts.append(names[0])
        captions.append(names)
        concept_class.append(class_names.index(entry["subcategory"]))
        for s, name in files:
            path = npm_dir / f"emoji-datasource-{styles[s]}/img/{styles[s]}/64/{name}"
            rgb = flatten_on_white(np.asarray(Image.open(path).convert("RGBA")))
            for size in sizes:
                image = Image.fromarray(rgb)
                if image.size != (size, size):
                    image = image.resize((size, size), Image.Resampling.LANCZOS)
                pictures[size].append(np.asarray(image))
            concept.append(index)
            style_of.append(s)

    split = split_by_concept(len(concepts), test_fraction, seed)
    # "tiger face" has the short name "tiger", a held-out concept: no caption may belong to both sides.
    # Held-out concepts drop aliases that name a training concept; training concepts drop held-out aliases.
    trained = {names[0] for c, names in enumerate(captions) if split[c] != TEST}
    captions = [[names[0]] + [n for n in names[1:] if n not in trained] if split[c] == TEST else names
                for c, names in enumerate(captions)]
    held_out = {caption for c in np.flatnonzero(split == TEST) for caption in captions[c]}
    captions = [names if split[c] == TEST else [names[0]] + [n for n in names[1:] if n not in held_out]
                for c, names in enumerate(captions)]
    return {
        size: TextImageData(
            images=np.stack(pictures[size]), concept=np.asarray(concept, dtype=np.int64),
            style=np.asarray(style_of, dtype=np.int64), concepts=concepts, captions=captions,
            concept_class=np.asarray(concept_class, dtype=np.int64), concept_split=split,
            class_names=class_names, style_names=list(styles),
        )
        for size in sizes
    }
