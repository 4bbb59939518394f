"""Heavy routes bounded on their own: a morph (up to 24 frames and an animation), an enhancement (SRGAN on
up to 1024 px), a sketch (Pix2Pix on an upload) and a large generation (more than 8 images) each run at most
`concurrency` at a time in a worker, with at most `queue` more waiting; one more is answered at once with 503
and Retry-After (TorchServe's bounded job queue, Triton's per-model queue policy). All heavy requests
together, running or waiting, hold at most `HEAVY_MAX_THREADS` of a worker's threads, so the rest stay free
for health, readiness and light requests: health never waits behind a heavy route.

Limits are per worker process (each has its own models and threads): `HEAVY_LIMITS`, e.g.
"interpolate=1:2,enhance=1:2,sketch=2:2,generate=2:2" (running:waiting), and `HEAVY_MAX_THREADS`.
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, current_app

DEFAULT_LIMITS = "interpolate=1:2,enhance=1:2,sketch=2:2,generate=2:2"
LARGE_GENERATION = 8  # images: a generation of more is heavy ("generate")


class Busy(RuntimeError):
    """A heavy route's queue is full, or a request waited its whole `wait_s`: 503 with Retry-After."""

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class _Gate:
    concurrency: int
    queue: int
    held: int = 0  # running or waiting
    slots: threading.Semaphore = field(init=False)

    def __post_init__(self):
        self.slots = threading.Semaphore(self.concurrency)


def parse_limits(text: str) -> dict[str, tuple[int, int]]:
    limits = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, numbers = item.partition("=")
        running, _, waiting = numbers.partition(":")
        if not (running.isdigit() and waiting.isdigit() and int(running) >= 1):
            raise ValueError(f"HEAVY_LIMITS item {item!r} is not name=running:waiting (running >= 1)")
        limits[name.strip()] = (int(running), int(waiting))
    return limits


class Admission:
    def __init__(self, limits: dict[str, tuple[int, int]], max_threads: int, wait_s: float = 30.0,
                 retry_after_s: int = 2):
        self.gates = {name: _Gate(running, waiting) for name, (running, waiting) in limits.items()}
        self.max_threads, self.wait_s, self.retry_after_s = max_threads, wait_s, retry_after_s
        self.held = 0  # heavy requests running or waiting, every gate
        self._lock = threading.Lock()

    @contextmanager
    def admit(self, name: str):
        gate = self.gates.get(name)
        if gate is None:  # not a limited route
            yield
            return
        with self._lock:
            if gate.held >= gate.concurrency + gate.queue or self.held >= self.max_threads:
                raise Busy(f"{gate.held} {name} requests are running or waiting here, the most it takes "
                           f"({gate.concurrency} at a time).", self.retry_after_s)
            gate.held += 1
            self.held += 1
        try:
            if not gate.slots.acquire(timeout=self.wait_s):
                raise Busy(f"A {name} request waited {self.wait_s:.0f} s for its turn.", self.retry_after_s)
            try:
                yield
            finally:
                gate.slots.release()
        finally:
            with self._lock:
                gate.held -= 1
                self.held -= 1


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions["gan_studio_admission"] = Admission(
        parse_limits(config["HEAVY_LIMITS"]), config["HEAVY_MAX_THREADS"], config["HEAVY_WAIT_S"])


def heavy(name: str):
    """`with heavy("enhance"): ...` in a route: the work under the route's limit."""
    return current_app.extensions["gan_studio_admission"].admit(name)
