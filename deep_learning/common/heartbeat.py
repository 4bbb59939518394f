"""`heartbeat.json` in a run folder: the training process says it is alive, so a reader (the server's Runs
tab) can tell a run that trains from one that was killed, without guessing from file times.

Rank 0 rewrites it at most every `INTERVAL_S` seconds from the step loop (a clock read per step, a 200-byte
atomic write every few seconds), and once more when `fit` returns: `finished` when every planned epoch is
done, else `stopped` (a time budget). A run killed by a signal leaves `training` behind with an old `time`
and a dead pid, which readers take as stopped (`state_of`).
"""

import json
import os
import socket
import time
from pathlib import Path

NAME = "heartbeat.json"
INTERVAL_S = 5.0  # how often a training run rewrites it
STALE_S = 120.0  # older than this, a `training` heartbeat means the run is gone (epoch-end work included)
STATES = ("training", "stopped", "finished")


class Heartbeat:
    def __init__(self, root: Path, enabled: bool = True, interval_s: float | None = None):
        self.path, self.enabled = Path(root) / NAME, enabled
        self.interval_s = INTERVAL_S if interval_s is None else interval_s
        self._last = float("-inf")

    def beat(self, epoch: int, step: int, state: str = "training", force: bool = False) -> None:
        """`epoch`: the last finished epoch (as log.jsonl's last row says); `step`: optimiser steps so far."""
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < self.interval_s):
            return
        self._last = now
        record = {"state": state, "pid": os.getpid(), "host": socket.gethostname(), "time": round(time.time(), 3),
                  "epoch": epoch, "step": step}
        temporary = self.path.with_name(f".{NAME}.tmp")  # RunDir.create removes a leftover one
        temporary.write_text(json.dumps(record) + "\n")
        os.replace(temporary, self.path)

    def end(self, epoch: int, step: int, finished: bool) -> None:
        self.beat(epoch, step, "finished" if finished else "stopped", force=True)


def state_of(record: dict | None, finished: bool, now: float | None = None) -> str:
    """A run's state from its heartbeat (None: none written, as by runs from before heartbeats) and whether
    its log reached the planned epochs: `training` only while a `training` heartbeat is fresh and, on this
    host, its process lives."""
    if finished or (record and record.get("state") == "finished"):
        return "finished"
    if not record or record.get("state") != "training" or not isinstance(record.get("time"), (int, float)):
        return "stopped"
    if (time.time() if now is None else now) - record["time"] > STALE_S:
        return "stopped"
    if record.get("host") == socket.gethostname() and isinstance(record.get("pid"), int) and not _alive(record["pid"]):
        return "stopped"
    return "training"


def _alive(pid: int) -> bool:
    if not 0 < pid < 2**31:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
