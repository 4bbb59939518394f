"""The one contract every model's inference pipeline keeps (what backend/registry.py serves):

    pipeline = SomePipeline.from_checkpoint(path, device="cpu")  # a GAN Studio checkpoint of its kind
    pipeline.info                                                # dict: image size, training, metrics
    pipeline(...)                                                # PIL images: one, a list, or named ones

The call's arguments are the model's own (a prompt, a sketch, a digit string, a number of images);
what comes back is always PIL, so a caller never converts tensors. Further methods (`generate` for
batched tensors, `mix`, `enhance`, examples) are each model's own.
"""

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from PIL import Image


@runtime_checkable
class Pipeline(Protocol):
    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu") -> "Pipeline": ...

    @property
    def info(self) -> dict[str, Any]: ...

    def __call__(self, *args, **kwargs) -> Image.Image | list[Image.Image] | dict[str, Image.Image]: ...


def pil_images(result: Any) -> list[Image.Image]:
    """The images of a pipeline call's result, whichever of the three shapes it has."""
    if isinstance(result, Image.Image):
        return [result]
    values = list(result.values()) if isinstance(result, dict) else list(result)
    if not values or not all(isinstance(value, Image.Image) for value in values):
        raise TypeError(f"a pipeline call returned {type(result).__name__}, not PIL images")
    return values
