"""Load report: `python -m tools.loadtest` (or `make loadtest`). Prints numbers; asserts nothing.

Starts the served stack (nginx in front of gunicorn, `python -m backend.serve`, loopback only, a free port)
with the shipped checkpoints, or those GAN_STUDIO_MODELS names, warms it up, then drives `GET /?input=` with varied
prompts and seeds from N concurrent clients: throughput, p50/p95/p99 latency, failed requests, and the
gunicorn workers' memory (RSS from /proc) after the warm-up and after the run (workers recycled after
GUNICORN_MAX_REQUESTS are counted as they are then). The goal on 2 cores: 5,000 requests at concurrency 16,
no errors, under 50 MB of growth.
"""

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from tools.benchmark import drive

REPO = Path(__file__).resolve().parents[1]
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "golden"]
THINGS = ["apple", "car", "frog", "star", "dog face", "sun", "tulip", "house", "fish", "heart", "smiling face", "moon"]


class ServerFailed(RuntimeError):
    """gunicorn exited (or never answered) before it was ready; the message ends with its log."""

    def __init__(self, message: str, returncode: int | None, log: str):
        super().__init__(f"{message}:\n{log}")
        self.returncode, self.log = returncode, log


GUNICORN_CONF = REPO / "backend" / "gunicorn.conf.py"


class GunicornServer:
    """`gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'` (as the image and `make run` start it) on
    127.0.0.1 and a port the kernel picks, as a context manager; `workers` and `threads` override the file's.

    Ready once the log names the port and `/api/health/ready` answers 200 (every model loaded). The log goes
    to a file (a pipe could fill and stall the server); `env` is added to this process's environment,
    with the repo on PYTHONPATH so that `cwd` can be any folder.
    """

    def __init__(self, workers: int | None = None, threads: int | None = None, env: dict | None = None,
                 cwd: str | Path | None = None, log_path: str | Path | None = None, start_timeout: float = 180.0,
                 extra_args: tuple[str, ...] = ()):
        self.command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", "127.0.0.1:0",
                        *(["--workers", str(workers)] if workers else []),
                        *(["--threads", str(threads)] if threads else []), *extra_args, "backend:create_app()"]
        pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        self.env = {**os.environ, "PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    **(env or {})}
        self.cwd = Path(cwd) if cwd else REPO
        self.own_log = log_path is None  # a log of our own making is removed at stop
        self.log_path = Path(log_path) if log_path else Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "GunicornServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.is_file() else ""

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while (returncode := self.process.poll()) is None and time.monotonic() < deadline:
            if not self.port and (match := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log())):
                self.port = int(match.group(1))
            if self.port and self._healthy():
                return
            time.sleep(0.2)
        log = self.log()
        self.stop()
        raise ServerFailed(f"gunicorn exited with status {returncode}" if returncode is not None
                           else f"gunicorn was not ready after {self.start_timeout:.0f} s", returncode, log)

    def _healthy(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/api/health/ready")
            status = connection.getresponse().status
            connection.close()
            return status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children: gunicorn's workers, which hold the models."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown stops its workers too
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.own_log:
            self.log_path.unlink(missing_ok=True)


class ServedStack(GunicornServer):
    """The served stack (`python -m backend.serve`: nginx in front of gunicorn on a unix socket) on 127.0.0.1
    and a free port, as `make run` and the image serve; the same interface as GunicornServer, whose
    `workers`, `threads` and `extra_args` go to gunicorn. Ready once `/api/health/ready` answers through
    nginx."""

    def __init__(self, workers: int | None = None, threads: int | None = None, env: dict | None = None,
                 cwd: str | Path | None = None, log_path: str | Path | None = None, start_timeout: float = 180.0,
                 extra_args: tuple[str, ...] = ()):
        super().__init__(workers, threads, env, cwd, log_path, start_timeout, extra_args)
        self.gunicorn_args = (*(["--workers", str(workers)] if workers else []),
                              *(["--threads", str(threads)] if threads else []), *extra_args)
        self.stack = None

    def start(self) -> None:
        from backend.serve import Stack

        self._log = open(self.log_path, "wb")  # noqa: SIM115 (open while the stack runs)
        self.stack = Stack(port=0, gunicorn_args=self.gunicorn_args, env=self.env, cwd=self.cwd, log=self._log)
        self.stack.start()
        self.port, self.process = self.stack.port, self.stack.gunicorn
        deadline = time.monotonic() + self.start_timeout
        while self.stack.running() and time.monotonic() < deadline:
            if self._healthy():
                return
            time.sleep(0.2)
        returncode = next((p.returncode for p in (self.stack.gunicorn, self.stack.nginx) if p.poll() is not None),
                          None)
        self.stop()
        raise ServerFailed(f"the served stack exited with status {returncode}" if returncode is not None
                           else f"the served stack was not ready after {self.start_timeout:.0f} s", returncode,
                           self.log())

    def stop(self) -> None:
        if self.stack:
            self.stack.stop()
            self._log.close()
        if self.own_log:
            self.log_path.unlink(missing_ok=True)


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), and the proportional share (Pss: a page shared by
    the preloading master and its forked workers counts once in their sum), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
                  if ":" in line)
    return {**{key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")},
            "Pss": int(rollup["Pss"].split()[0]) / 1024}


def varied_requests(count: int, seed: int = 0) -> list[str]:
    """`count` paths, each one of 120 colour-and-thing prompts with its own random image seed."""
    rng = random.Random(seed)
    prompts = [f"{colour} {thing}" for colour in COLOURS for thing in THINGS]
    return ["/?" + urlencode({"input": rng.choice(prompts), "seed": rng.randrange(2**31)}) for _ in range(count)]


def run(requests: int, concurrency: int, warmup: int, workers: int | None, threads: int | None,
        env: dict | None = None) -> dict:
    with ServedStack(workers=workers, threads=threads, env=env) as server:
        pids = server.worker_pids()
        paths = varied_requests(warmup + requests)
        drive(server.port, concurrency, warmup, paths.__getitem__)
        before = {pid: memory_mb(pid) for pid in pids}
        result = drive(server.port, concurrency, requests, lambda i: paths[warmup + i])
        after = {pid: memory_mb(pid) for pid in server.worker_pids()}  # recycled workers are new pids
        restarted = sorted(set(server.worker_pids()) - set(pids))  # recycled (max_requests) or replaced
        models = json.loads(_get(server.port, "/api/health"))["models"]
        pss = sum(memory_mb(pid)["Pss"] for pid in [server.process.pid, *server.worker_pids()])
    return {**result, "workers": len(pids), "threads": threads, "warmup": warmup, "models": models, "pss_mb": pss,
            "rss_before_mb": sum(m["VmRSS"] for m in before.values()),
            "rss_after_mb": sum(m["VmRSS"] for m in after.values()),
            "peak_mb": sum(m["VmHWM"] for m in after.values()), "restarted_workers": restarted}


def _get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    body = connection.getresponse().read().decode()
    connection.close()
    return body


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16, help="clients at once, each a fresh connection")
    parser.add_argument("--warmup", type=int, default=64, help="requests before the first memory reading")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers; default: the conf file's (2)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker; default: the conf file's (8)")
    args = parser.parse_args(argv)

    print(f"nginx + gunicorn (backend/serve.py) {args.workers or 'default'} worker(s) x {args.threads or 'default'} "
          f"threads on loopback; {args.requests} x "
          f"GET /?input=<prompt>&seed=<seed> (5 images each) from {args.concurrency} clients after {args.warmup} "
          f"warm-up requests; client and server share this machine ({os.cpu_count()} cores)", flush=True)
    r = run(args.requests, args.concurrency, args.warmup, args.workers, args.threads)
    growth = r["rss_after_mb"] - r["rss_before_mb"]
    print(f"models       {', '.join(r['models'])}")
    print(f"throughput   {r['requests_per_s']:.1f} requests/s, {r['images_per_s']:.0f} images/s "
          f"({r['requests']} requests in {r['wall_s']:.1f} s)")
    print(f"latency      p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms")
    print(f"errors       {r['failed']}" + (f" {r['failures']}" if r["failures"] else ""))
    print(f"worker RSS   {r['rss_before_mb']:.1f} MB after warm-up, {r['rss_after_mb']:.1f} MB after the run, "
          f"growth {growth:+.1f} MB (peak {r['peak_mb']:.1f} MB)"
          + (f"; workers recycled or replaced: {len(r['restarted_workers'])}" if r["restarted_workers"] else ""))
    print(f"all memory   {r['workers']} workers + master: {r['pss_mb']:.1f} MB proportional set size (shared pages "
          f"counted once)")
    met = r["failed"] == 0 and growth < 50
    print(f"goal (no errors, growth under 50 MB): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
