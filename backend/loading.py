"""Loads every configured model once, at start-up, through its registry entry's inference object.

The checkpoint says what it holds (its `kind`), and that picks the registry entry (backend/registry.py).
A missing, truncated, damaged (its weights' SHA-256 differs from the one saved with them) or unknown
checkpoint stops start-up with its path and what failed in the message: better a server that refuses to start
than one that answers 500 to every request, or serves what a flipped bit made of a model. A checkpoint saved
before the digest (format version 1) loads unverified, with a warning; its card's `checkpoint_sha256` is null.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from backend import metrics
from backend.batching import MicroBatcher
from backend.registry import ModelEntry, entry_for_kind
from deep_learning.common.checkpoint import CheckpointError, load_checkpoint

log = logging.getLogger("backend")

def without_paths(value: Any) -> Any:
    """A copy of JSON-like metadata whose absolute paths (a training config's `perceptual_network`, say)
    are shown as the file's name only: where the server keeps its files is nobody's business."""
    if isinstance(value, dict):
        return {key: without_paths(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_paths(item) for item in value]
    if isinstance(value, str) and PurePath(value).is_absolute() and "\n" not in value:
        return PurePath(value).name
    return value


@dataclass
class LoadedModel:
    name: str  # as configured (GAN_STUDIO_MODELS); the entry's name is the card's `kind`
    path: Path
    entry: ModelEntry
    pipeline: Any
    batcher: MicroBatcher | None = None
    info: dict = field(default_factory=dict)
    sha256: str | None = None  # of the weights, checked at load; None: saved before digests, unverified

    def has(self, task: str) -> bool:
        return task in self.entry.tasks

    def random_image(self, seed: int):
        return self.entry.random_image(self.pipeline, seed)

    def card(self, samples_url: str | None) -> dict:
        """This model as /api/models describes it: the registry's words, the checkpoint's facts (no absolute
        server path in them, see `without_paths`)."""
        info = without_paths(self.info)
        return {"name": self.name, "kind": self.entry.name, "tasks": list(self.entry.tasks),
                "title": self.entry.title, "description": self.entry.description,
                "columns": self.entry.columns.as_json(),
                "image_size": info.get("image_size"), "text_encoder": info.get("text_encoder"),
                "available": True, "training": info.get("training") or {}, "metrics": info.get("metrics"),
                "samples_url": samples_url, "checkpoint_sha256": self.sha256,
                # input limits the page states before an upload (SRGAN: longer side, scale; digits: length)
                **{key: info[key] for key in ("max_input_side", "scale", "max_digits") if key in info}}


def load_model(name: str, path: str | Path, batch_wait_ms: float, batch_max_images: int,
               batch_max_queued: int = 256) -> LoadedModel:
    path = Path(path)
    checkpoint = load_checkpoint(path)  # raises CheckpointError naming the path and what failed
    stored_kind = checkpoint["kind"]
    entry = entry_for_kind(stored_kind)
    if entry is None:
        raise CheckpointError(f"{path} holds a {stored_kind!r} checkpoint, which no route serves")
    pipeline = entry.pipeline.from_checkpoint(path)
    sha256 = checkpoint["state_sha256"] if checkpoint["verified"] else None
    if sha256 is None:
        log.warning("%s: %s was saved without a SHA-256 of its weights (format version 1), so it is served "
                    "unverified; `python -m deep_learning.common.checkpoint seal PATH` adds one", name, path)
    model = LoadedModel(name=name, path=path, entry=entry, pipeline=pipeline, info=dict(getattr(pipeline, "info", {})),
                        sha256=sha256)
    if entry.batched:
        model.batcher = MicroBatcher(pipeline.generate, batch_wait_ms, batch_max_images, batch_max_queued,
                                     on_batch=metrics.BATCH_IMAGES.labels(name).observe,
                                     on_queue=metrics.QUEUED_IMAGES.labels(name).set)
    return model


def load_models(models: dict[str, str], batch_wait_ms: float = 5.0, batch_max_images: int = 64,
                batch_max_queued: int = 256) -> dict:
    return {name: load_model(name, path, batch_wait_ms, batch_max_images, batch_max_queued)
            for name, path in models.items()}
