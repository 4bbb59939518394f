"""The one checkpoint format: written here, read here.

A checkpoint is a plain dict saved with `torch.save` and read with `torch.load(weights_only=True)`,
so loading never executes code. It carries everything needed to rebuild the model from the file
alone: what kind of thing it is, the constructor arguments, the named state dicts, and JSON-able
metadata (text encoder, training config, class names, metrics ...).
"""

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "gan-studio"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, truncated, of another kind or of another format version."""


def save_checkpoint(
    path: str | os.PathLike,
    *,
    kind: str,
    model_args: dict[str, Any],
    state: dict[str, Any],
    meta: dict[str, Any] | None = None,
    half: bool = False,
) -> Path:
    """Writes atomically (temp file + rename), so a killed run never leaves half a checkpoint.

    `state` maps names ("generator", "optimizer_d", "rng", ...) to state dicts or tensors.
    `half=True` stores floating-point weights as float16, for the small checkpoints we ship.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if half:
        state = {name: _to_half(value) for name, value in state.items()}
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "kind": kind,
        "model_args": model_args,
        "state": state,
        "meta": meta or {},
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files: a server running as another user could not read them
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_checkpoint(path: str | os.PathLike, kind: str | None = None, map_location="cpu") -> dict[str, Any]:
    """Reads a checkpoint without executing code; every failure names the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # truncated zip, pickle with code in it, not a torch file at all ...
        raise CheckpointError(f"cannot read checkpoint {path}: {error}") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a GAN Studio checkpoint")
    if payload.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format version {payload.get('version')}, this code reads {FORMAT_VERSION}"
        )
    if kind is not None and payload.get("kind") != kind:
        raise CheckpointError(f"{path} holds a {payload.get('kind')!r} checkpoint, expected {kind!r}")
    return payload


def store_metrics(source: str | os.PathLike, metrics: dict, *, kind: str | None = None,
                  target: str | os.PathLike | None = None, half: bool = False) -> Path:
    """Re-saves a checkpoint (to `target`, or in place) with `metrics` in its metadata; weights untouched."""
    checkpoint = load_checkpoint(source, kind=kind)
    return save_checkpoint(target or source, kind=checkpoint["kind"], model_args=checkpoint["model_args"],
                           state=checkpoint["state"], meta={**checkpoint["meta"], "metrics": metrics}, half=half)


def _to_half(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.half()
    if isinstance(value, dict):
        return {key: _to_half(item) for key, item in value.items()}
    return value


def load_float_state(state: dict[str, torch.Tensor], dtype=torch.float32) -> dict[str, torch.Tensor]:
    """Floating tensors back to `dtype` (shipped checkpoints may store float16)."""
    return {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
