"""Loads every configured model once, at start-up, through the models' own inference objects.

The checkpoint says what it holds (its `kind`), and that picks the pipeline class. A missing,
truncated or unknown checkpoint stops start-up with its path in the message: better a server that
refuses to start than one that answers 500 to every request.
"""

import importlib
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from backend import metrics
from backend.batching import MicroBatcher
from deep_learning.common.checkpoint import CheckpointError, load_checkpoint


@dataclass(frozen=True)
class Kind:
    module: str
    cls: str
    kind: str  # what /api/models calls it
    tasks: tuple[str, ...]  # which routes (and page tabs) it serves
    title: str
    description: str


KINDS = {
    "text-to-image/generator": Kind("deep_learning.main_model.pipeline", "TextToImage", "text-to-image", ("paint",),
                                    "Text to image", "A TAC-GAN-style generator conditioned on a frozen text "
                                    "embedding: type a few words, get five images."),
    "digits/generator": Kind("deep_learning.digits_gan.pipeline", "DigitsPipeline", "digits",
                             ("digits", "mix", "random"), "Digits", "A conditional WGAN-GP on MNIST whose label is a "
                             "10-weight vector: one digit, a whole number, or a creative blend."),
    "dcgan/generator": Kind("deep_learning.dcgan.pipeline", "RandomImagePipeline", "random", ("random",),
                            "Random emoji (DCGAN)", "An unconditional DCGAN: a fresh 32x32 image from noise."),
    "pix2pix/generator": Kind("deep_learning.pix2pix.pipeline", "SketchPipeline", "sketch", ("sketch",),
                              "Sketch to image (Pix2Pix)", "A U-Net generator with a PatchGAN critic turns a line "
                              "drawing into a coloured emoji."),
    "srgan/generator": Kind("deep_learning.srgan.pipeline", "SuperResolutionPipeline", "super-resolution",
                            ("enhance",), "Super-resolution (SRGAN)", "Four times the pixels: a residual generator "
                            "with pixel-shuffle upsampling, trained with perceptual and adversarial losses."),
}


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
    name: str
    path: Path
    spec: Kind
    pipeline: Any
    batcher: MicroBatcher | None = None
    info: dict = field(default_factory=dict)

    def has(self, task: str) -> bool:
        return task in self.spec.tasks

    def card(self, samples_url: str | None) -> dict:
        """This model as /api/models describes it; no absolute server path in it (see `without_paths`)."""
        info = without_paths(self.info)
        return {"name": self.name, "kind": self.spec.kind, "tasks": list(self.spec.tasks),
                "title": info.get("title") or self.spec.title,
                "description": info.get("description") or self.spec.description,
                "image_size": info.get("image_size"), "text_encoder": info.get("text_encoder"),
                "available": True, "training": info.get("training") or {}, "metrics": info.get("metrics"),
                "samples_url": samples_url,
                # input limits the page states before an upload (SRGAN: longer side, scale; digits: length)
                **{key: info[key] for key in ("max_input_side", "scale", "max_digits") if key in info}}


def load_model(name: str, path: str | Path, batch_wait_ms: float, batch_max_images: int,
               batch_max_queued: int = 256) -> LoadedModel:
    path = Path(path)
    stored_kind = load_checkpoint(path)["kind"]  # raises CheckpointError naming the path
    if stored_kind not in KINDS:
        raise CheckpointError(f"{path} holds a {stored_kind!r} checkpoint, which no route serves")
    spec = KINDS[stored_kind]
    pipeline = getattr(importlib.import_module(spec.module), spec.cls).from_checkpoint(path)
    model = LoadedModel(name=name, path=path, spec=spec, pipeline=pipeline, info=dict(getattr(pipeline, "info", {})))
    if spec.kind == "text-to-image":
        model.batcher = MicroBatcher(pipeline.generate, batch_wait_ms, batch_max_images, batch_max_queued,
                                     on_batch=metrics.BATCH_IMAGES.labels(name).observe,
                                     on_queue=metrics.QUEUED_IMAGES.labels(name).set)
    return model


def load_models(models: dict[str, str], batch_wait_ms: float = 5.0, batch_max_images: int = 64,
                batch_max_queued: int = 256) -> dict:
    return {name: load_model(name, path, batch_wait_ms, batch_max_images, batch_max_queued)
            for name, path in models.items()}
