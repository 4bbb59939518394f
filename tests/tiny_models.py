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


def flip_bytes_inside_a_tensor(path: Path, count: int = 4096) -> Path:
    """Inverts `count` bytes in the middle of the checkpoint's largest tensor, as a disk error would: torch stores
    tensors uncompressed and reads them back without a check, so only the checkpoint's digest can tell."""
    state = torch.load(path, weights_only=True)["state"]
    tensors = [v for group in state.values() for v in (group.values() if isinstance(group, dict) else [group])
               if isinstance(v, torch.Tensor)]
    stored = max(tensors, key=lambda t: t.numel() * t.element_size()).contiguous().view(-1).view(torch.uint8)
    stored = stored.numpy().tobytes()
    data = bytearray(path.read_bytes())
    at = data.find(stored)
    assert at >= 0, "the tensor's bytes are not stored as they are"
    start = at + max(0, (len(stored) - count) // 2)
    data[start:start + count] = bytes(b ^ 0xFF for b in data[start:start + count])
    path.write_bytes(bytes(data))
    return path


if __name__ == "__main__":  # python -m tests.tiny_models DIR: the checkpoints the browser tests serve
    import sys

    folder = Path(sys.argv[1])
    print(tiny_text_to_image(folder / "text-to-image.pt"))
