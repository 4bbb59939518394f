"""Tiny checkpoints made by the tests themselves, through the same export code as training."""

from pathlib import Path

import torch

from deep_learning.main_model.models import build_generator
from deep_learning.main_model.pipeline import export_generator


def tiny_text_to_image(path: Path, text_dim: int = 384, encoder: str = "minilm") -> Path:
    torch.manual_seed(0)
    args = {"arch": "dfgan", "text_dim": text_dim, "image_size": 32, "z_dim": 16, "width": 8, "max_channels": 16}
    generator = build_generator(**args)
    with torch.no_grad():  # the text affines start as the identity: jolt them so prompts matter untrained
        for parameter in generator.parameters():
            parameter.add_(0.2 * torch.randn_like(parameter))
    meta = {"text_encoder": encoder, "class_names": ["a", "b"], "dataset": "tiny",
            "train_prompts": ["red apple", "grinning face", "blue car"], "test_prompts": ["green frog"],
            "training": {"config": {"config": "tiny", "arch": "dfgan"}, "epochs": 0},
            "metrics": {"rows": [{"label": "tiny", "train": {"fid": 1.0}, "test": {"fid": 2.0}}], "notes": "made up"}}
    return export_generator(path, generator, args, meta)


if __name__ == "__main__":  # python -m tests.tiny_models DIR: the checkpoints the browser tests serve
    import sys

    folder = Path(sys.argv[1])
    print(tiny_text_to_image(folder / "text-to-image.pt"))
