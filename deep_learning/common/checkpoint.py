"""The one checkpoint format: written here, read here.

A checkpoint is a plain dict saved with `torch.save` and read with `torch.load(weights_only=True)`,
so loading never executes code. It carries everything needed to rebuild the model from the file
alone: what kind of thing it is, the constructor arguments, the named state dicts, and JSON-able
metadata (text encoder, training config, class names, metrics ...).

It also proves it is whole: `state_sha256` is the SHA-256 of the state (every tensor's dtype, shape and
bytes, every other value's repr, in a fixed order), written with it and checked on every load. A flipped bit
inside a tensor unpickles without complaint; the digest is what notices it. Format version 1 files (before the
digest) still load, unverified: `payload["verified"]` says which.
"""

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "gan-studio"
FORMAT_VERSION = 2  # 2: state_sha256 added
READABLE_VERSIONS = (1, 2)  # 1 has no digest: loaded, but not verified

log = logging.getLogger(__name__)


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, truncated, damaged, of another kind or of another format version."""


def state_sha256(state: Any) -> str:
    """The SHA-256 of a checkpoint's state: the same for the dict saved and the dict loaded, on any device."""
    digest = hashlib.sha256()
    _feed(digest, state)
    return digest.hexdigest()


def _feed(digest, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().to("cpu").contiguous().reshape(-1)
        digest.update(f"tensor {tensor.dtype} {tuple(value.shape)} ".encode())
        digest.update(tensor.view(torch.uint8).numpy())  # bytes as stored: bfloat16 has no numpy type
    elif isinstance(value, dict):
        digest.update(f"dict {len(value)} ".encode())
        for key in sorted(value, key=repr):
            digest.update(f"{key!r}: ".encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__} {len(value)} ".encode())
        for item in value:
            _feed(digest, item)
    else:  # numbers, strings, None, torch.Size ...: their repr round-trips
        digest.update(f"{type(value).__name__} {value!r} ".encode())


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
        "state_sha256": state_sha256(state),
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
    """Reads a checkpoint without executing code and checks its digest; every failure names the file and
    what failed. `verified` in the answer: False for a format-1 file, which has no digest to check."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # truncated zip, pickle with code in it, not a torch file at all ...
        raise CheckpointError(f"cannot read checkpoint {path}: {error}") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a GAN Studio checkpoint")
    if payload.get("version") not in READABLE_VERSIONS:
        raise CheckpointError(
            f"{path} has checkpoint format version {payload.get('version')}, this code reads {READABLE_VERSIONS}"
        )
    if kind is not None and payload.get("kind") != kind:
        raise CheckpointError(f"{path} holds a {payload.get('kind')!r} checkpoint, expected {kind!r}")
    payload["verified"] = _verify(path, payload)
    return payload


def _verify(path: Path, payload: dict) -> bool:
    if payload["version"] == 1:
        log.info("%s: format version 1, saved without a SHA-256 of its weights: loaded unverified", path)
        return False
    stored = payload.get("state_sha256")
    if not isinstance(stored, str):
        raise CheckpointError(f"{path} is damaged: its SHA-256 of the weights (state_sha256) is missing")
    actual = state_sha256(payload.get("state"))
    if actual != stored:
        raise CheckpointError(f"{path} is damaged: the SHA-256 of its weights is {actual[:16]}..., the checkpoint "
                              f"recorded {stored[:16]}... when it was saved")
    return True


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


def seal_checkpoint(path: str | os.PathLike) -> Path:
    """Re-saves a format-1 checkpoint in place as the current format, digest included; state, arguments and
    metadata unchanged (dtypes too: no `half`)."""
    checkpoint = load_checkpoint(path)
    return save_checkpoint(path, kind=checkpoint["kind"], model_args=checkpoint["model_args"],
                           state=checkpoint["state"], meta=checkpoint["meta"])


def main(argv: list[str] | None = None) -> int:
    """`python -m deep_learning.common.checkpoint verify|seal PATH...`: says of each file whether it is whole
    (exit status 1 if one is not); `seal` re-saves the unverified (format-1) ones with their digest."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m deep_learning.common.checkpoint", description=main.__doc__)
    parser.add_argument("action", choices=("verify", "seal"))
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    failed = 0
    for path in args.paths:
        try:
            checkpoint = load_checkpoint(path)
            if args.action == "seal" and not checkpoint["verified"]:
                seal_checkpoint(path)
                checkpoint = load_checkpoint(path)
                print(f"sealed    {path}  sha256 {checkpoint['state_sha256']}")
            elif checkpoint["verified"]:
                print(f"whole     {path}  sha256 {checkpoint['state_sha256']}")
            else:
                print(f"no digest {path}  (format version 1: `seal` adds one)")
        except CheckpointError as error:
            failed += 1
            print(f"DAMAGED   {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
