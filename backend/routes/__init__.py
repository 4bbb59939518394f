"""The HTTP routes: seed-compatible ones at the top level, the rest under /api/."""

from flask import current_app

from backend.errors import BadRequest, ModelUnavailable
from backend.loading import LoadedModel
from backend.registry import TASKS


def loaded_models() -> dict[str, LoadedModel]:
    return current_app.extensions["gan_studio_models"]


def models_by_task() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For the API document: each task with the loaded models that do it."""
    models = loaded_models()
    return tuple((task, tuple(name for name, model in models.items() if model.has(task))) for task in TASKS)


def model_for(task: str, name: str | None = None) -> LoadedModel:
    """The named model (which must serve `task`), or the first that does; 503 when none is loaded."""
    models = loaded_models()
    if name is not None and not isinstance(name, str):  # JSON bodies can send a list or a number
        raise BadRequest("'model' must be a model name; see /api/models for the loaded ones.")
    if name is not None:  # given, even empty: it must name a loaded model
        if name not in models:
            raise BadRequest(f"Unknown model {name[:60]!r}; see /api/models for the loaded ones.")
        if not models[name].has(task):
            raise BadRequest(f"Model {name!r} does not do {TASKS[task].title}.")
        return models[name]
    for model in models.values():
        if model.has(task):
            return model
    raise ModelUnavailable(TASKS[task].title)


def random_image(model: LoadedModel, seed: int):
    """One fresh sample from a model that does random images (the digits model or an unconditional GAN)."""
    return model.random_image(seed)
