"""The emoji text-to-image data set, built offline from npm packages.

Images: six art styles, each another drawing of the same concept: `emoji-datasource-<style>` (Twemoji,
Noto: 64 px RGBA PNGs) and the Iconify sets `@iconify-json/<style>` (Fluent 3D-shaded, Fluent flat, the
old "blob" Noto, OpenMoji's outlines: SVG, rasterised at 64 px), flattened on white, each with its single
skin-tone variants. A concept is an emoji that emoji-datasource draws (so the 80/20 split of concepts
stays what it was); the Iconify sets join it by CLDR name (`red-apple`). Captions: the
CLDR name and keywords from `emojibase-data`, plus emoji-datasource's name and short names. Class: the
Unicode subcategory (plant-flower, food-fruit, animal-bird, ...), the role Oxford-102's classes played.
"""

import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from deep_learning.common.data.iconify import IconSet, icon_name
from deep_learning.common.data.text_image import TEST, TextImageData, flatten_on_white, split_by_concept
from deep_learning.common.paths import CACHE_DIR, NPM_DIR

DATASOURCE_STYLES = ("twitter", "google")  # emoji-datasource-<style>: PNGs
ICONIFY_STYLES = ("fluent-emoji", "fluent-emoji-flat", "noto-v1", "openmoji")  # @iconify-json/<style>: SVG
STYLES = DATASOURCE_STYLES + ICONIFY_STYLES
# Flags are text-like rectangles; components are lone skin-tone swatches and hair pieces.
EXCLUDED_CATEGORIES = ("Flags", "Component")
SKIN_TONES = ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")


def cache_path(size: int) -> Path:
    return CACHE_DIR / f"emoji_{size}.npz"


def cached_styles(size: int) -> list[str] | None:
    """The styles the cache at `size` px was built from (None if there is none): an older cache is rebuilt."""
    if not cache_path(size).is_file():
        return None
    with np.load(cache_path(size)) as arrays:  # reads only the small `meta` array
        return json.loads(arrays["meta"].tobytes().decode())["style_names"]


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


def _single_tones(entry: dict) -> list[tuple[str, dict]]:
    """(tone code point, emoji-datasource variant) of each single-tone skin variant of an emoji."""
    tones = [(key.split("-"), variant) for key, variant in (entry.get("skin_variations") or {}).items()]
    return [(codes[0], variant) for codes, variant in tones if len(set(codes)) == 1 and codes[0] in SKIN_TONES]


def _datasource_images(entry: dict, style: str, npm_dir: Path) -> list[Path]:
    """The base image and each single-tone skin variant that this emoji-datasource style draws."""
    flag = f"has_img_{style}"
    names = [entry["image"]] if entry.get(flag) else []
    names += [variant["image"] for _, variant in _single_tones(entry) if variant.get(flag)]
    return [npm_dir / f"emoji-datasource-{style}/img/{style}/64/{name}" for name in names]


def _iconify_images(entry: dict, cldr: dict | None, icons: IconSet) -> list[str]:
    """The icon of an emoji in an Iconify set (by its CLDR name, else emoji-datasource's), and its tones."""
    names = [icon_name(cldr["label"])] if cldr else []
    names = [name for name in (*names, icon_name(entry["name"])) if name in icons][:1]
    if names:
        names += [tone for code, _ in _single_tones(entry) if (tone := icons.tone_variant(names[0], code))]
    return names


def _read_png(path: Path) -> np.ndarray:
    return flatten_on_white(np.asarray(Image.open(path).convert("RGBA")))


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
    datasource = [style for style in styles if style in DATASOURCE_STYLES]
    icon_sets = {style: IconSet(npm_dir / f"@iconify-json/{style}/icons.json")
                 for style in styles if style in ICONIFY_STYLES}
    if not datasource or set(styles) - set(STYLES):
        raise ValueError(f"styles must be among {STYLES}, at least one of {DATASOURCE_STYLES}; got {styles}")
    entries = json.loads((npm_dir / f"emoji-datasource-{datasource[0]}/emoji.json").read_text())
    entries = sorted((e for e in entries if e["category"] not in excluded), key=lambda e: e["sort_order"])
    entries = entries[:limit] if limit else entries
    cldr = _emojibase_by_hexcode(npm_dir)
    class_names = sorted({entry["subcategory"] for entry in entries})

    pictures = {size: [] for size in sizes}
    concept, style_of, concepts, captions, concept_class = [], [], [], [], []
    for entry in entries:
        entry_cldr = cldr.get(entry["unified"].replace("-FE0F", ""))
        drawings = [(s, partial(_read_png, path)) for s, style in enumerate(styles) if style in DATASOURCE_STYLES
                    for path in _datasource_images(entry, style, npm_dir)]
        if not drawings:  # a concept is an emoji that emoji-datasource draws: the split stays as it was
            continue
        drawings += [(s, partial(icon_sets[style].rasterise, name)) for s, style in enumerate(styles)
                     if style in icon_sets for name in _iconify_images(entry, entry_cldr, icon_sets[style])]
        index = len(concepts)
        names = _captions(entry, entry_cldr)
        concepts.append(names[0])
        captions.append(names)
        concept_class.append(class_names.index(entry["subcategory"]))
        for s, draw in drawings:
            rgb = draw()
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
