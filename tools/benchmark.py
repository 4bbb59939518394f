"""Serving benchmark: `python -m tools.benchmark` (or `make benchmark`). Prints numbers; asserts nothing.

Starts two real HTTP servers on loopback in this process and drives `GET /?input=` with N concurrent
clients: (1) GAN Studio's app (model loaded once, micro-batched, Pillow PNGs); (2) a faithful copy of
seed 001's serving path (the model called per request, PNGs encoded through matplotlib's pyplot, as
the seed did). Same generator, same machine, same run: p50/p95 latency, images/s and failed requests.
"""

import argparse
import base64
import http.client
import io
import logging
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from backend import create_app
from backend.config import SHIPPED_MODELS
from deep_learning.main_model.models import build_generator
from deep_learning.main_model.pipeline import TextToImage, export_generator

PROMPTS = ["red apple", "grinning face", "blue car", "green frog", "yellow star", "dog face", "sun", "tulip"]


def seed_style_app(checkpoint: Path) -> Flask:
    """Seed 001's backend as it was: one route, the model called per request, pyplot to encode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pipeline = TextToImage.from_checkpoint(checkpoint)
    app = Flask("seed001")

    @app.get("/")
    def generate():
        prompt = request.args.get("input")
        with torch.no_grad():
            images = pipeline.generate([prompt] * 5, list(range(5)))
        encoded = []
        for image in images:
            plt.imshow(((image.permute(1, 2, 0) + 1) / 2).clamp(0, 1).numpy())
            plt.axis("off")
            buffer = io.BytesIO()
            plt.savefig(buffer, format="png", bbox_inches="tight", pad_inches=0)
            plt.close()
            encoded.append(base64.b64encode(buffer.getvalue()).decode())
        return jsonify({"images": encoded})

    return app


class Server:
    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def seed_request(i: int) -> str:
    """Request i of a benchmark run: one of eight prompts, seed i."""
    return f"/?input={PROMPTS[i % len(PROMPTS)].replace(' ', '%20')}&seed={i}"


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(port: int, concurrency: int, requests: int, path_for: Callable[[int], str] = seed_request) -> dict:
    """`requests` GETs of `path_for(i)` from `concurrency` clients, a fresh connection each: latency
    percentiles, throughput and failures (anything but a 200 with a body), counted by reason."""
    def one(i: int) -> tuple[float, str | None]:
        start = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", path_for(i))
            response = connection.getresponse()
            size = len(response.read())
            connection.close()
            failure = None if response.status == 200 and size > 100 else f"HTTP {response.status}"
        except OSError as error:
            failure = type(error).__name__
        return time.perf_counter() - start, failure

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - start
    latencies = sorted(t for t, _ in results)
    failures = Counter(failure for _, failure in results if failure)
    ok = requests - sum(failures.values())
    return {"concurrency": concurrency, "requests": requests, "wall_s": wall,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * percentile(latencies, 0.95),
            "p99_ms": 1000 * percentile(latencies, 0.99), "requests_per_s": ok / wall,
            "images_per_s": 5 * ok / wall, "failed": requests - ok, "failures": dict(failures)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="", help="text-to-image checkpoint; default: the shipped one, "
                        "or an untrained default-architecture generator at --image_size")
    parser.add_argument("--image_size", type=int, default=64)
    parser.add_argument("--requests", type=int, default=64, help="requests per concurrency level")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--batch_wait_ms", type=float, default=None, help="micro-batching window (default: the app's)")
    parser.add_argument("--torch_threads", type=int, default=None, help="the app's TORCH_THREADS (default: its own)")
    args = parser.parse_args(argv)

    checkpoint = Path(args.checkpoint) if args.checkpoint else None
    if checkpoint is None:  # speed does not depend on training: an untrained generator of the shipped design
        shipped = TextToImage.from_checkpoint(SHIPPED_MODELS["text-to-image"]) \
            if SHIPPED_MODELS["text-to-image"].is_file() else None
        model_args = dict(shipped.meta["model_args"]) if shipped else {"arch": "dfgan", "text_dim": 384, "z_dim": 100,
                                                                         "width": 32}
        model_args["image_size"] = args.image_size
        checkpoint = Path(tempfile.mkdtemp()) / "benchmark.pt"
        export_generator(checkpoint, build_generator(**model_args), model_args,
                         {"text_encoder": "minilm", "train_prompts": PROMPTS, "test_prompts": []})
    print(f"torch threads {torch.get_num_threads()}, generator {checkpoint}, {args.image_size} px, "
          f"{args.requests} requests per level, 5 images each; client and server share this machine")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the table
    overrides = {key: value for key, value in (("BATCH_WAIT_MS", args.batch_wait_ms),
                                               ("TORCH_THREADS", args.torch_threads)) if value is not None}
    ours = Server(create_app({"MODELS": {"text-to-image": str(checkpoint)}, **overrides}))
    seed = Server(seed_style_app(checkpoint))
    rows = []
    for name, server in (("gan-studio", ours), ("seed001-path", seed)):
        drive(server.port, 1, 3)  # warm-up: first calls pay for lazy initialisation
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            rows.append({"server": name, **drive(server.port, concurrency, args.requests)})
    print(f"{'server':<14}{'conc':>5}{'p50 ms':>10}{'p95 ms':>10}{'img/s':>9}{'failed':>8}")
    for row in rows:
        print(f"{row['server']:<14}{row['concurrency']:>5}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}"
              f"{row['images_per_s']:>9.1f}{row['failed']:>8}")
    top = max(int(c) for c in args.concurrency.split(","))
    ours_top = next(r for r in rows if r["server"] == "gan-studio" and r["concurrency"] == top)
    seed_top = next(r for r in rows if r["server"] == "seed001-path" and r["concurrency"] == top)
    print(f"throughput at concurrency {top}: {ours_top['images_per_s'] / max(seed_top['images_per_s'], 1e-9):.1f}x "
          f"the seed path")
    ours.close()
    seed.close()


if __name__ == "__main__":
    main()
