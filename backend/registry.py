"""The model registry: every model GAN Studio serves, once, with everything the server says about it.

One `ModelEntry` per model: its name, the tasks it serves (each task is routes and a page tab, `TASKS`),
title, description, the columns its metrics table is scored on, inference class, shipped checkpoint and
training-speed cases. The loader (`backend/loading.py`), the settings (`backend/config.py`), the OpenAPI
document, `/api/models` and, through `/api/models`, the page's tabs and metrics tables, the training
benchmark and the tests read this table; no other file lists the models or spells a model's title or
shipped checkpoint. Pipelines and cases are plain imports, so a typo fails at import, under ruff, not at
start-up; a case imports its training loop only when it is built, so serving never loads training code.

A seventh model: its package (models, pipeline with `from_checkpoint(path)`, training loop, evaluation,
`benchmark.py` with its `case`) and a `register(ModelEntry(...))` below. A new *task* also needs its route
and its tab (`frontend/src/tabs.js`, whose ids `tests/test_backend_registry.py` holds to `TASKS`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deep_learning.common.benchmark_case import Builder
from deep_learning.dcgan import benchmark as dcgan_case
from deep_learning.dcgan import pipeline as dcgan
from deep_learning.digits_gan import benchmark as digits_case
from deep_learning.digits_gan import pipeline as digits
from deep_learning.main_model import benchmark as text_to_image_cases
from deep_learning.main_model import pipeline as text_to_image
from deep_learning.pix2pix import benchmark as pix2pix_case
from deep_learning.pix2pix import pipeline as pix2pix
from deep_learning.srgan import benchmark as srgan_case
from deep_learning.srgan import pipeline as srgan


@dataclass(frozen=True)
class Task:
    name: str  # what a model card's `tasks` lists
    title: str  # how messages name it: "The {title} model is not loaded on this server."
    routes: tuple[str, ...]  # the routes that serve it (a `model` parameter picks among its models)
    tab: str  # the page's tab that drives it (an `id` in frontend/src/tabs.js)


TASKS = {task.name: task for task in (
    Task("paint", "text-to-image", ("/", "/api/prompts", "/api/interpolate"), "paint"),
    Task("digits", "digits", ("/mnist",), "digits"),
    Task("mix", "digit mixing", ("/api/mix",), "mixer"),
    Task("random", "random image", ("/example1.png", "/api/random"), "random"),
    Task("sketch", "sketch-to-image", ("/api/sketch", "/api/sketch/example"), "sketch"),
    Task("enhance", "super-resolution", ("/api/enhance", "/api/enhance/example"), "enhance"),
)}


@dataclass(frozen=True)
class Columns:
    """The two columns of a model's metrics table: what its "train" and "test" scores were measured on."""
    train: str = "Training images"
    test: str = "Held-out images"
    test_help: str = "Images of emoji concepts the model never saw in training."

    def as_json(self) -> dict:
        return {"train": self.train, "test": self.test, "test_help": self.test_help}


@dataclass(frozen=True)
class ModelEntry:
    name: str  # the one name: GAN_STUDIO_MODELS's bare name, the card's `kind`
    checkpoint_kind: str  # the `kind` its checkpoints store: a file picks its entry by it
    pipeline: type  # `pipeline.from_checkpoint(path)` is the inference object the routes call
    tasks: tuple[str, ...]  # keys of TASKS, in the order the card lists them
    title: str
    description: str
    checkpoint: Path  # the shipped checkpoint, served when present
    benchmarks: dict[str, Builder] = field(default_factory=dict)  # `make benchmark-training`'s cases, by name
    columns: Columns = Columns()  # the metrics table's column names on the model card
    batched: bool = False  # requests share generator forward passes (backend/batching.py)
    random_image: Callable[[Any, int], Any] | None = None  # (pipeline, seed) -> one PIL image; task "random"
    example: Callable[[Any], Any] | None = None  # (pipeline) -> a typical call's PIL images, always the same ones

    def __post_init__(self):
        unknown = set(self.tasks) - set(TASKS)
        if unknown:
            raise ValueError(f"model {self.name!r} names unknown tasks {sorted(unknown)}; known: {list(TASKS)}")
        if "random" in self.tasks and self.random_image is None:
            raise ValueError(f"model {self.name!r} serves random images but has no random_image")

    @property
    def package(self) -> str:
        """The model's folder under deep_learning/ (its runs are in `saved/` there): where its pipeline lives."""
        return self.pipeline.__module__.split(".")[1]


MODELS: dict[str, ModelEntry] = {}  # in order: the first model that serves a task is that task's default


def register(entry: ModelEntry) -> ModelEntry:
    if entry.name in MODELS:
        raise ValueError(f"model name {entry.name!r} is already registered")
    taken = {name for other in MODELS.values() for name in other.benchmarks} & set(entry.benchmarks)
    if taken:
        raise ValueError(f"benchmark cases {sorted(taken)} of {entry.name!r} are already registered")
    MODELS[entry.name] = entry
    return entry


def entry_named(name: str) -> ModelEntry | None:
    return MODELS.get(name)


def entry_for_kind(checkpoint_kind: str) -> ModelEntry | None:
    return next((entry for entry in MODELS.values() if entry.checkpoint_kind == checkpoint_kind), None)


def shipped_checkpoints() -> dict[str, Path]:
    return {entry.name: entry.checkpoint for entry in MODELS.values()}


def benchmark_cases() -> dict[str, Builder]:
    """Every model's training-speed cases, by name, in the registry's order."""
    return {name: case for entry in MODELS.values() for name, case in entry.benchmarks.items()}


register(ModelEntry(
    "text-to-image", text_to_image.GENERATOR_KIND, text_to_image.TextToImage, ("paint",),
    "Text to image", "A TAC-GAN-style generator conditioned on a frozen text embedding: type a few words, get "
    "five images.",
    text_to_image.SHIPPED_CHECKPOINT, text_to_image_cases.CASES, batched=True,
    columns=Columns("Train prompts", "Held-out prompts", "Prompts the model never saw in training."),
    example=lambda pipeline: pipeline("red apple", n=2, seed=0)))
register(ModelEntry(  # before digits: the default of /example1.png and /api/random
    "emoji-dcgan", dcgan.KIND, dcgan.RandomImagePipeline, ("random",),
    "Random images (DCGAN)", "Seed 002's DCGAN: 32x32 colour images from 100 numbers of noise; trained on emoji "
    "(training concepts). Every seed gives its own image.",
    dcgan.SHIPPED_CHECKPOINT, {"dcgan": dcgan_case.case},
    random_image=lambda pipeline, seed: pipeline.sample(1, seed)[0], example=lambda pipeline: pipeline(2, seed=0)))
register(ModelEntry(
    "digits", digits.GENERATOR_KIND, digits.DigitsPipeline, ("digits", "mix", "random"),
    "Digits on demand", "A conditional GAN trained on MNIST. Its label is a 10-d mix of digits: one-hot draws a "
    "chosen digit (a string of up to 10 digits becomes one image), several non-zero weights blend digits (seed "
    "003's 'creative' mixing), a random label gives a random digit.",
    digits.SHIPPED, {"digits_gan": digits_case.case}, random_image=lambda pipeline, seed: pipeline.random(seed),
    columns=Columns("Train split", "Test split", "MNIST test images, never trained on."),
    example=lambda pipeline: pipeline("42", seed=0)))
register(ModelEntry(
    "sketch", pix2pix.KIND, pix2pix.SketchPipeline, ("sketch",),
    "Sketch to image (Pix2Pix)", "Draw dark lines on white; a U-Net turns the drawing into a 64 px colour image. "
    "Trained on emoji (training concepts): each picture's colour edges as the sketch, the picture as the answer, "
    "with L1 (lambda 100) + PatchGAN adversarial loss.",
    pix2pix.SHIPPED_CHECKPOINT, {"pix2pix": pix2pix_case.case},
    example=lambda pipeline: pipeline(pipeline.example_sketch(0))))
register(ModelEntry(
    "super-resolution", srgan.KIND, srgan.SuperResolutionPipeline, ("enhance",),
    "Super-resolution (SRGAN)", "4x super-resolution (16 -> 64 px on emoji; larger inputs run whole, fully "
    "convolutionally). Residual generator with pixel-shuffle upsampling, content loss = pixel L1 + feature L1 in "
    "our emoji classifier, plus an adversarial loss.",
    srgan.SHIPPED_CHECKPOINT, {"srgan": srgan_case.case},
    example=lambda pipeline: pipeline(pipeline.example_low_res(0))))
