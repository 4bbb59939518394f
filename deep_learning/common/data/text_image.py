"""`TextImageData`: images, the concepts (prompts) they show, their captions, classes and split.

One concept has several images (art styles, skin tones), as one Oxford-102 flower had ten captions:
the generator sees many pictures of one idea. The 80/20 split is by concept, so held-out prompts are
never seen in training.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TRAIN, TEST = 0, 1


@dataclass
class TextImageData:
    images: np.ndarray  # uint8 [N, H, W, 3]
    concept: np.ndarray  # int64 [N], index into `concepts`
    style: np.ndarray  # int64 [N], index into `style_names`
    concepts: list[str]  # the canonical prompt of each concept, e.g. "red apple"
    captions: list[list[str]]  # every caption of each concept (first one is the canonical prompt)
    concept_class: np.ndarray  # int64 [C], index into `class_names`
    concept_split: np.ndarray  # int64 [C], TRAIN or TEST
    class_names: list[str]
    style_names: list[str]

    @property
    def image_size(self) -> int:
        return int(self.images.shape[1])

    def split_concepts(self, split: int) -> np.ndarray:
        return np.flatnonzero(self.concept_split == split)

    def split_images(self, split: int) -> np.ndarray:
        """Indices of the images whose concept is in `split`."""
        return np.flatnonzero(self.concept_split[self.concept] == split)

    def image_class(self) -> np.ndarray:
        return self.concept_class[self.concept]

    def subset_concepts(self, keep: np.ndarray) -> "TextImageData":
        """The data restricted to some concepts (re-indexed), e.g. a tiny slice for tests."""
        keep = np.asarray(sorted(set(int(c) for c in keep)))
        remap = -np.ones(len(self.concepts), dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        rows = np.flatnonzero(remap[self.concept] >= 0)
        return TextImageData(
            images=self.images[rows],
            concept=remap[self.concept[rows]],
            style=self.style[rows],
            concepts=[self.concepts[c] for c in keep],
            captions=[self.captions[c] for c in keep],
            concept_class=self.concept_class[keep],
            concept_split=self.concept_split[keep],
            class_names=self.class_names,
            style_names=self.style_names,
        )

    def save(self, path: Path) -> None:
        meta = {key: getattr(self, key) for key in ("concepts", "captions", "class_names", "style_names")}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, images=self.images, concept=self.concept, style=self.style,
                 concept_class=self.concept_class, concept_split=self.concept_split,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "TextImageData":
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} is missing: run `make data` (python -m deep_learning.prepare_data)")
        with np.load(path) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())
            return cls(images=arrays["images"], concept=arrays["concept"], style=arrays["style"],
                       concept_class=arrays["concept_class"], concept_split=arrays["concept_split"], **meta)


def split_by_concept(n_concepts: int, test_fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """Deterministic TRAIN/TEST label per concept: a seeded permutation, the last share held out."""
    order = np.random.default_rng(seed).permutation(n_concepts)
    split = np.full(n_concepts, TRAIN, dtype=np.int64)
    split[order[: round(n_concepts * test_fraction)]] = TEST
    return split


def flatten_on_white(rgba: np.ndarray) -> np.ndarray:
    """RGBA uint8 -> RGB uint8 composited on white (emoji PNGs have transparent backgrounds)."""
    rgb = rgba[..., :3].astype(np.float32)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    return np.round(rgb * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
