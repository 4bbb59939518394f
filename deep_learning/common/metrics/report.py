"""An evaluation's report, written one way for every model: `metrics.json`, `metrics.md` (a table of the
rows, the notes, the sample grid and the command that reproduces it), `samples.png`, and the shipped
checkpoint with the rows and notes in its meta (where the server reads them).

A row is `{"label": ..., "train": {metric: value}, "test": {metric: value}}`; the table's columns are
(split, metric) pairs, a metric missing from a row leaves its cell empty, and KID carries its deviation.
"""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch

from deep_learning.common.checkpoint import store_metrics
from deep_learning.common.images import save_grid
from deep_learning.common.metrics.scores import FID, KID, KID_STD, L1, PSNR, SSIM

HEADINGS = {FID: "FID", KID: "KID", L1: "L1", PSNR: "PSNR", SSIM: "SSIM"}
DEVIATIONS = {KID: KID_STD}  # printed "value ± deviation" in the same cell


@dataclass
class Report:
    title: str  # what was evaluated: the heading of metrics.md
    summary: str  # the paragraph under the heading: what was trained, how long
    columns: list[tuple[str, str]]  # the table's (split, metric) columns, in order
    rows: list[dict]
    notes: str  # how the numbers were measured, and what they say
    samples_caption: str  # the alt text of samples.png: what its rows are
    command: str  # the command line that reproduces the report
    counts: dict = field(default_factory=dict)  # sample counts, for metrics.json

    def as_json(self) -> dict:
        return {"rows": self.rows, "notes": self.notes, **self.counts, "command": self.command}

    def markdown(self) -> str:
        header = "| | " + " | ".join(f"{split} {HEADINGS.get(key, key)}" for split, key in self.columns) + " |"
        lines = [f"# {self.title}: evaluation", "", self.summary, "", header, "|---" * (len(self.columns) + 1) + "|"]
        lines += [f"| {row['label']} | " + " | ".join(cell(row.get(split, {}), key) for split, key in self.columns)
                  + " |" for row in self.rows]
        lines += ["", self.notes, "", f"![{self.samples_caption}](samples.png)", "",
                  f"Reproduce: `{self.command.strip()}`", ""]
        return "\n".join(lines)


def cell(values: dict, key: str) -> str:
    if key not in values:
        return ""
    deviation = DEVIATIONS.get(key)
    return f"{values[key]} ± {values[deviation]}" if deviation in values else str(values[key])


def training_time(training: dict) -> str:
    """"2671.6 s wall-clock (812.0 s of CPU) on cpu, threads: 1": honest on a machine shared with other jobs."""
    cpu = f" ({training['cpu_seconds']} s of CPU)" if "cpu_seconds" in training else ""
    threads = training.get("config", {}).get("threads") or "default"
    return f"{training.get('seconds')} s wall-clock{cpu} on {training.get('device')}, threads: {threads}"


def trained_for(training: dict, data: str = "images") -> str:
    """"Trained 16 epochs (1296 steps on 5218 images, 2671.6 s wall-clock on cpu, threads: 1)"."""
    count = training.get(data, training.get("images"))
    return (f"Trained {training.get('epochs')} epochs ({training.get('steps')} steps on {count} {data}, "
            f"{training_time(training)})")


def write_report(report: Report, out_dir: str | Path, checkpoint: str | Path, kind: str, shipped_name: str,
                 samples: torch.Tensor, nrow: int) -> Path:
    """Writes the report's files into `out_dir` and a copy of `checkpoint` (float16) carrying its rows and
    notes as `out_dir/shipped_name`. `samples`: [-1, 1] NCHW images, `nrow` a row, enlarged twice."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store_metrics(checkpoint, {"rows": report.rows, "notes": report.notes}, kind=kind, target=out / shipped_name,
                  half=True)
    (out / "metrics.json").write_text(json.dumps(report.as_json(), indent=2) + "\n")
    (out / "metrics.md").write_text(report.markdown())
    save_grid(samples, out / "samples.png", nrow=nrow, scale=2)
    return out


def command_line(script: str, argv: list[str] | None) -> str:
    """`python <script> <the options given>`: the report's way to be reproduced."""
    return " ".join(["python", script, *(sys.argv[1:] if argv is None else argv)])
