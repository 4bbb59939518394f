"""Read-only views of training run folders, `<model>/saved/<run>/`, for the page's Runs tab.

A run folder explains itself (deep_learning/common/training.py `RunDir`): training_options.json,
log.jsonl (one row per epoch), samples/epochNNNN.png, heartbeat.json (deep_learning/common/heartbeat.py).
Nothing here takes a path from a request: a run is named by (model, run), both checked against what exists
under the configured `saved` folders, and a sample grid by its epoch number. Every file is opened through
backend/run_files.py: no link followed, nothing outside the run folder, only regular files, bounded reads;
log.jsonl is read from its end, and a poll with `since` reads only the rows written after it.

The models are the registry's (backend/registry.py): each entry's package folder, where its training loop
writes `saved/`, in registry order.
"""

import contextlib
import json
import os
import re
import time
from pathlib import Path

from backend import run_files
from backend.registry import MODELS
from deep_learning.common import heartbeat

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SAMPLE_NAME = re.compile(r"^epoch(\d{1,6})\.png$")
MAX_ROWS = 5000  # log rows one answer carries (a long run's newest rows)
MAX_LOG_BYTES = 2 * 2**20  # the most of log.jsonl one answer reads, from its end
MAX_LAST_ROW_BYTES = 64 * 2**10  # read back from the end to find the newest whole row
MAX_SMALL_FILE_BYTES = 256 * 2**10  # training_options.json, heartbeat.json, samples/prompts.txt
MAX_SAMPLE_BYTES = 16 * 2**20  # one sample grid
LOG = "log.jsonl"
OPTIONS = "training_options.json"


def default_roots() -> dict[str, Path]:
    """Each registered model's training folder (`deep_learning/<package>/saved/`), named by its package, once."""
    roots: dict[str, Path] = {}
    for entry in MODELS.values():
        package = entry.checkpoint.parent.parent  # <package>/checkpoints/<file>.pt
        roots.setdefault(package.name, package / "saved")
    return roots


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


def _json_object(data: bytes | None) -> dict:
    try:
        value = json.loads(data) if data is not None else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _row(line: bytes) -> dict | None:
    """One log row; a line being written (or broken) is skipped, not fatal."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and isinstance(row.get("epoch"), int) else None


def prompt_rows(path: Path) -> list[dict] | None:
    """checkpoints/samples_prompts.txt of a shipped model ("train: red apple" per grid row)."""
    try:
        return _prompt_rows(path.read_bytes()[:MAX_SMALL_FILE_BYTES])
    except OSError:
        return None


def _prompt_rows(data: bytes | None) -> list[dict] | None:
    if data is None:
        return None
    rows = []
    for line in data.decode("utf-8", "replace").splitlines():
        split, sep, prompt = line.partition(": ")
        if sep:
            rows.append({"split": split.strip(), "prompt": prompt.strip()})
    return rows or None


class RunFolders:
    """The run folders under each model's `saved/` folder (model name -> folder)."""

    def __init__(self, roots: dict[str, Path]):
        self.roots = {name: Path(folder) for name, folder in roots.items()}
        self.lines = run_files.LineCounter()

    def _root(self, model: str, run: str) -> Path | None:
        """The `saved/` folder of a run that exists there as a real folder (not a link), or None."""
        root = self.roots.get(model)
        if root is None or not RUN_NAME.match(run):
            return None
        try:
            os.close(run_files.open_inside(root, run, directory=True))
        except OSError:
            return None
        return root

    def runs(self) -> list[dict]:
        found = []
        for model, root in self.roots.items():
            for entry in run_files.entries(root):
                if (entry.is_dir(follow_symlinks=False) and RUN_NAME.match(entry.name)
                        and any(self._is_file(root, entry.name, name) for name in (LOG, OPTIONS))):
                    found.append(self.summary(model, entry.name))
        return sorted(found, key=lambda run: run["updated"], reverse=True)

    @staticmethod
    def _is_file(root: Path, *names: str) -> bool:
        try:
            os.close(run_files.open_inside(root, *names))
        except OSError:
            return False
        return True

    def summary(self, model: str, run: str) -> dict:
        """What the list and the detail both say of a run; its epoch is log.jsonl's newest whole row's."""
        root = self.roots[model]
        options = _json_object(run_files.read_capped(root, run, OPTIONS, cap=MAX_SMALL_FILE_BYTES))
        beat = _json_object(run_files.read_capped(root, run, heartbeat.NAME, cap=MAX_SMALL_FILE_BYTES)) or None
        last = self._last_row(root, run)
        planned = options.get("epochs") if isinstance(options.get("epochs"), int) else None
        done = last.get("epoch", 0)
        finished = planned is not None and done >= planned
        state = heartbeat.state_of(beat, finished)
        seconds = _minutes(last, "train_minutes", "seconds")
        return {
            "id": f"{model}/{run}", "model": model, "run": run,
            "config": options.get("config") if isinstance(options.get("config"), str) else None,
            "epoch": done, "epochs": planned, "step": last.get("step"),
            "images_seen": _images_seen(last, options),
            "cpu_minutes": _minutes(last, "cpu_minutes", "cpu_seconds"),
            "train_minutes": seconds,
            "state": state, "running": state == "training", "finished": state == "finished",
            "heartbeat": _heartbeat_time(beat),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._updated(root, run, beat))),
            "samples": self._sample_epochs(root, run),
        }

    def detail(self, model: str, run: str, since: int = 0) -> dict | None:
        """The summary, the options, and the log rows from `since` on (at most MAX_ROWS and MAX_LOG_BYTES
        of them, the newest): `first_row` is the index of the first row sent, `total_rows` the log's lines."""
        root = self._root(model, run)
        if root is None:
            return None
        rows, first, total = self._rows_since(root, run, since)
        options = _json_object(run_files.read_capped(root, run, OPTIONS, cap=MAX_SMALL_FILE_BYTES))
        return {**self.summary(model, run), "rows": rows, "first_row": first, "total_rows": total,
                "options": _public_options(options),
                "sample_rows": _prompt_rows(run_files.read_capped(root, run, "samples", "prompts.txt",
                                                                  cap=MAX_SMALL_FILE_BYTES))}

    def sample(self, model: str, run: str, epoch: int) -> bytes | None:
        root = self._root(model, run)
        if root is None:
            return None
        return run_files.read_capped(root, run, "samples", f"epoch{epoch:04d}.png", cap=MAX_SAMPLE_BYTES)

    def _rows_since(self, root: Path, run: str, since: int) -> tuple[list[dict], int, int]:
        try:
            fd = run_files.open_inside(root, run, LOG)
        except OSError:
            return [], 0, 0
        try:
            total, end = self.lines.count(fd, (str(root), run))
            start = min(max(since, total - MAX_ROWS), total)
            lines, _ = run_files.lines_before(fd, end, total - start, MAX_LOG_BYTES)
        finally:
            os.close(fd)
        rows = [row for line in lines if (row := _row(line)) is not None]
        return rows, total - len(lines), total

    def _last_row(self, root: Path, run: str) -> dict:
        try:
            fd = run_files.open_inside(root, run, LOG)
        except OSError:
            return {}
        try:
            size = os.fstat(fd).st_size
            tail = os.pread(fd, min(size, MAX_LAST_ROW_BYTES), size - min(size, MAX_LAST_ROW_BYTES))
        finally:
            os.close(fd)
        whole = tail[:tail.rfind(b"\n") + 1]  # a line still being written is not a row yet
        return next((row for line in reversed(whole.split(b"\n")) if (row := _row(line)) is not None), {})

    @staticmethod
    def _sample_epochs(root: Path, run: str) -> list[int]:
        return sorted(int(m.group(1)) for entry in run_files.entries(root, run, "samples")
                      if (m := SAMPLE_NAME.match(entry.name)) and entry.is_file(follow_symlinks=False))

    @staticmethod
    def _updated(root: Path, run: str, beat: dict | None) -> float:
        times = [beat["time"]] if beat and isinstance(beat.get("time"), (int, float)) else []
        try:
            fd = run_files.open_inside(root, run, directory=True)
        except OSError:
            return max(times, default=0.0)
        try:
            times.append(os.fstat(fd).st_mtime)
            for name in (LOG, "samples"):
                with contextlib.suppress(OSError):
                    times.append(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mtime)
        finally:
            os.close(fd)
        return max(times, default=0.0)


def _heartbeat_time(beat: dict | None) -> str | None:
    if not beat or not isinstance(beat.get("time"), (int, float)):
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(beat["time"]))


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
