"""Micro-batching: requests that arrive together share one generator forward pass.

Each request puts (prompts, seeds) on a queue and waits on a future; one worker thread takes what
waits (under load, also what arrives within a short window; up to a maximum number of images), runs
the model once, and hands every request its slice: requests that come while a pass runs share the
next. Throughput then grows with concurrency instead of queueing behind a lock.

The queue is bounded (`max_queued` images waiting): past it, `submit` raises `QueueFull` at once (the
route answers 503 with Retry-After) instead of letting a backlog grow. The worker thread starts at the
first request of each process, so a batcher made before gunicorn forks (preload) works in every worker.
"""

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import torch

Generate = Callable[[Sequence[str], Sequence[int]], torch.Tensor]


class QueueFull(RuntimeError):
    """More images wait than the batcher takes; the caller should come back later."""


class MicroBatcher:
    def __init__(self, generate: Generate, max_wait_ms: float = 5.0, max_images: int = 64,
                 max_queued: int = 256, on_batch: Callable[[int], None] | None = None,
                 on_queue: Callable[[int], None] | None = None):
        self.generate = generate
        self.max_wait = max_wait_ms / 1000
        self.max_images = max_images
        self.max_queued = max_queued  # images waiting, not yet in a forward pass
        self.on_batch = on_batch  # called with each forward pass's image count (metrics)
        self.on_queue = on_queue  # called with the images waiting, whenever that changes (metrics)
        self.queue: queue.Queue = queue.Queue()
        self.queued_images = 0
        self._lock = threading.Lock()
        self._worker_pid = None
        self._last_requests = 0  # requests in the last forward pass: more than one means concurrent load

    def submit(self, prompts: Sequence[str], seeds: Sequence[int], timeout: float = 60.0) -> torch.Tensor:
        self._start_worker()
        with self._lock:
            if self.queued_images and self.queued_images + len(prompts) > self.max_queued:  # alone, any size
                raise QueueFull(f"{self.queued_images} images are waiting to be generated; the limit is "
                                f"{self.max_queued}.")
            self.queued_images += len(prompts)
            queued = self.queued_images
        if self.on_queue:
            self.on_queue(queued)
        future: Future = Future()
        self.queue.put((list(prompts), list(seeds), future))
        return future.result(timeout=timeout)

    def alive(self) -> bool:
        """Whether this process's worker thread runs (or has yet to start, at the first request)."""
        return self._worker_pid != os.getpid() or self.worker.is_alive()

    def _start_worker(self) -> None:
        if self._worker_pid == os.getpid():
            return
        with self._lock:
            if self._worker_pid != os.getpid():  # first request in this process (a forked gunicorn worker)
                self.queue, self.queued_images = queue.Queue(), 0
                self.worker = threading.Thread(target=self._run, name="micro-batcher", daemon=True)
                self.worker.start()
                self._worker_pid = os.getpid()

    def _collect(self) -> list:
        """What waits now, up to `max_images`; under load (the last pass served several requests) also what
        arrives within `max_wait`. An idle server answers a lone request at once: no window to sit out."""
        batch = [self.queue.get()]
        images = len(batch[0][0])
        deadline = time.monotonic() + (self.max_wait if self._last_requests > 1 else 0)
        while images < self.max_images:
            remaining = deadline - time.monotonic()
            try:
                item = self.queue.get(timeout=remaining) if remaining > 0 else self.queue.get_nowait()
            except queue.Empty:
                break
            batch.append(item)
            images += len(item[0])
        self._last_requests = len(batch)
        with self._lock:
            self.queued_images -= images
            queued = self.queued_images
        if self.on_queue:
            self.on_queue(queued)
        return batch

    def _run(self) -> None:
        while True:
            batch = self._collect()
            prompts = [p for item in batch for p in item[0]]
            seeds = [s for item in batch for s in item[1]]
            if self.on_batch:
                self.on_batch(len(prompts))
            try:
                images = self.generate(prompts, seeds)
            except Exception as error:  # every waiting request learns of it; the worker lives on
                for *_, future in batch:
                    future.set_exception(error)
                continue
            start = 0
            for item_prompts, _, future in batch:
                future.set_result(images[start : start + len(item_prompts)])
                start += len(item_prompts)
