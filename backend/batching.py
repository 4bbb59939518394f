"""Micro-batching: requests that arrive together share one generator forward pass.

Each request puts (prompts, seeds) on a queue and waits on a future; one worker thread takes what
arrived within a short window (up to a maximum number of images), runs the model once, and hands
every request its slice. Throughput then grows with concurrency instead of queueing behind a lock.
"""

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import torch

Generate = Callable[[Sequence[str], Sequence[int]], torch.Tensor]


class MicroBatcher:
    def __init__(self, generate: Generate, max_wait_ms: float = 5.0, max_images: int = 64):
        self.generate = generate
        self.max_wait = max_wait_ms / 1000
        self.max_images = max_images
        self.queue: queue.Queue = queue.Queue()
        self.worker = threading.Thread(target=self._run, name="micro-batcher", daemon=True)
        self.worker.start()

    def submit(self, prompts: Sequence[str], seeds: Sequence[int], timeout: float = 60.0) -> torch.Tensor:
        future: Future = Future()
        self.queue.put((list(prompts), list(seeds), future))
        return future.result(timeout=timeout)

    def _collect(self) -> list:
        batch = [self.queue.get()]
        images = len(batch[0][0])
        deadline = time.monotonic() + self.max_wait
        while images < self.max_images:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self.queue.get(timeout=remaining)
            except queue.Empty:
                break
            batch.append(item)
            images += len(item[0])
        return batch

    def _run(self) -> None:
        while True:
            batch = self._collect()
            prompts = [p for item in batch for p in item[0]]
            seeds = [s for item in batch for s in item[1]]
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
