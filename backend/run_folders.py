"""Read-only views of training run folders, `<model>/saved/<run>/`, for the page's Runs tab.

A run folder explains itself (deep_learning/common/training.py `RunDir`): training_options.json,
log.jsonl (one row per epoch), samples/epochNNNN.png. Nothing here takes a path from a request: a run
is named by (model, run), both checked against what exists under the configured `saved` folders, and a
sample grid by its epoch number; so no file outside those folders can be reached.
"""

import json
import os
import re
import time
from pathlib import Path

from deep_learning.common.paths import model_dir

TRAINED_MODELS = ("main_model", "dcgan", "digits_gan", "pix2pix", "srgan")
RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SAMPLE_NAME = re.compile(r"^epoch(\d{1,6})\.png$")
MAX_ROWS = 5000  # log rows one answer carries (a long run's newest rows)
# A run counts as still training while its folder changed within this many seconds, or three epochs' time.
RUNNING_GRACE_S = 180


def default_roots() -> dict[str, Path]:
    return {name: model_dir(name) / "saved" for name in TRAINED_MODELS}


def roots_from_env(value: str | None) -> dict[str, Path]:
    """GAN_STUDIO_RUNS="model=folder,model=folder" replaces the folders the Runs tab reads."""
    if not value or not value.strip():
        return default_roots()
    roots = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, _, folder = item.partition("=")
        if not RUN_NAME.match(name) or not folder:
            raise ValueError(f"GAN_STUDIO_RUNS item {item!r} is not model=folder")
        roots[name] = Path(folder)
    return roots


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def read_log(path: Path) -> list[dict]:
    """The rows of log.jsonl; a line being written (or broken) is skipped, not fatal."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    rows = []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("epoch"), int):
            rows.append(row)
    return rows


def sample_epochs(folder: Path) -> list[int]:
    samples = folder / "samples"
    if not samples.is_dir():
        return []
    return sorted(int(m.group(1)) for p in samples.iterdir() if (m := SAMPLE_NAME.match(p.name)) and p.is_file())


def prompt_rows(path: Path) -> list[dict] | None:
    """samples/prompts.txt or checkpoints/samples_prompts.txt ("train: red apple" per grid row)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    rows = []
    for line in lines:
        split, sep, prompt = line.partition(": ")
        if sep:
            rows.append({"split": split.strip(), "prompt": prompt.strip()})
    return rows or None


class RunFolders:
    """The run folders under each model's `saved/` folder (model name -> folder)."""

    def __init__(self, roots: dict[str, Path]):
        self.roots = {name: Path(folder) for name, folder in roots.items()}

    def folder(self, model: str, run: str) -> Path | None:
        """The folder of one run, or None: unknown model, odd name, missing, or (by a link) outside `saved/`."""
        root = self.roots.get(model)
        if root is None or not RUN_NAME.match(run) or run in (".", ".."):
            return None
        folder = root / run
        try:
            inside = folder.is_dir() and folder.resolve().is_relative_to(root.resolve())
        except OSError:
            return None
        return folder if inside else None

    def runs(self) -> list[dict]:
        found = []
        for model, root in self.roots.items():
            if not root.is_dir():
                continue
            for child in root.iterdir():
                if self.folder(model, child.name) is not None and (
                        (child / "log.jsonl").is_file() or (child / "training_options.json").is_file()):
                    found.append(self.summary(model, child.name))
        return sorted(found, key=lambda run: run["updated"], reverse=True)

    def summary(self, model: str, run: str, rows: list[dict] | None = None) -> dict:
        folder = self.roots[model] / run
        options = _read_json(folder / "training_options.json")
        rows = read_log(folder / "log.jsonl") if rows is None else rows
        last = rows[-1] if rows else {}
        epochs = [int(e) for e in sample_epochs(folder)]
        updated = max((p.stat().st_mtime for p in (folder, folder / "log.jsonl", folder / "samples") if p.exists()),
                      default=0.0)
        planned = options.get("epochs") if isinstance(options.get("epochs"), int) else None
        done = last.get("epoch", 0)
        seconds = _minutes(last, "train_minutes", "seconds")
        per_epoch_s = (seconds * 60 / done) if seconds and done else 0
        finished = planned is not None and done >= planned
        running = not finished and time.time() - updated < max(RUNNING_GRACE_S, 3 * per_epoch_s)
        return {
            "id": f"{model}/{run}", "model": model, "run": run,
            "config": options.get("config") if isinstance(options.get("config"), str) else None,
            "epoch": done, "epochs": planned, "step": last.get("step"),
            "images_seen": _images_seen(last, options),
            "cpu_minutes": _minutes(last, "cpu_minutes", "cpu_seconds"),
            "train_minutes": seconds,
            "running": running, "finished": finished,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(updated)),
            "samples": epochs,
        }

    def detail(self, model: str, run: str, since: int = 0) -> dict | None:
        folder = self.folder(model, run)
        if folder is None:
            return None
        rows = read_log(folder / "log.jsonl")
        options = _read_json(folder / "training_options.json")
        start = max(since, len(rows) - MAX_ROWS)
        return {**self.summary(model, run, rows), "rows": rows[start:], "first_row": start, "total_rows": len(rows),
                "options": _public_options(options),
                "sample_rows": prompt_rows(folder / "samples" / "prompts.txt")}

    def sample(self, model: str, run: str, epoch: int) -> Path | None:
        folder = self.folder(model, run)
        if folder is None:
            return None
        path = folder / "samples" / f"epoch{epoch:04d}.png"
        return path if path.is_file() and path.resolve().is_relative_to(folder.resolve()) else None


def _minutes(row: dict, minutes_key: str, seconds_key: str) -> float | None:
    if isinstance(row.get(minutes_key), (int, float)):
        return round(float(row[minutes_key]), 2)
    if isinstance(row.get(seconds_key), (int, float)):
        return round(row[seconds_key] / 60, 2)
    return None


def _images_seen(row: dict, options: dict) -> int | None:
    if isinstance(row.get("images_seen"), int):
        return row["images_seen"]
    step, batch = row.get("step"), options.get("batch_size")
    if isinstance(step, int) and isinstance(batch, int):
        return step * batch * int(options.get("world_size") or 1)
    return None


def _public_options(options: dict) -> dict:
    """The run's options without where this machine keeps its files (absolute paths become file names)."""
    def clean(value):
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, str) and (os.path.isabs(value) or "/" in value) and "\n" not in value:
            return Path(value).name
        return value
    return clean(options)
