"""Worker-kill report: `python -m tools.worker_kill`. Prints numbers; asserts nothing (the test is
tests/test_backend_operations.py).

Starts the served stack (backend/serve.py: nginx, gunicorn with 2 preloaded workers) on loopback with the shipped
models, drives `GET /?input=` from `--concurrency` clients, SIGKILLs one worker mid-burst, and keeps
driving: requests that failed (the killed worker's in-flight ones), the longest time without any
successful answer, and how long until the master had forked a replacement that answers.
"""

import argparse
import http.client
import itertools
import os
import signal
import threading
import time

from tools.loadtest import GunicornServer, ServedStack, varied_requests


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def kill_one_worker(server: GunicornServer, concurrency: int, before_s: float, after_s: float,
                    paths: list[str]) -> dict:
    stop = threading.Event()
    lock = threading.Lock()
    log: list[tuple[float, bool]] = []  # (finish time, success)

    def client(index: int) -> None:
        i = index
        while not stop.is_set():
            try:
                ok = _get(server.port, paths[i % len(paths)]) == 200
            except (OSError, http.client.HTTPException):  # reset, or an answer cut short by the kill
                ok = False
            with lock:
                log.append((time.monotonic(), ok))
            i += concurrency

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    time.sleep(before_s)
    workers = server.worker_pids()
    victim = workers[0]
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    replaced_s, replacement = None, None
    while time.monotonic() - killed_at < after_s:
        now_workers = server.worker_pids()
        if replaced_s is None and len(now_workers) == len(workers) and victim not in now_workers:
            replaced_s = time.monotonic() - killed_at
            replacement = (set(now_workers) - set(workers)).pop()
        time.sleep(0.02)
    stop.set()
    for thread in threads:
        thread.join(70)
    successes = sorted(t for t, ok in log if ok)
    gaps = [b - a for a, b in itertools.pairwise(successes) if b > killed_at - 1]
    return {"workers": len(workers), "concurrency": concurrency, "requests": len(log),
            "failed": sum(not ok for _, ok in log), "longest_gap_s": max(gaps, default=None),
            "replaced_s": replaced_s, "replacement_pid": replacement,
            "after_kill_ok": sum(ok for t, ok in log if t > killed_at)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--before_s", type=float, default=5.0, help="driving before the kill")
    parser.add_argument("--after_s", type=float, default=10.0, help="driving after it")
    parser.add_argument("--workers", type=int, default=None, help="default: the conf file's (2)")
    parser.add_argument("--preload", type=int, default=1, help="0: each worker loads the models itself after the "
                                                               "fork (the setup before issue 15, with --workers=1)")
    args = parser.parse_args(argv)
    with ServedStack(workers=args.workers, env={"GUNICORN_PRELOAD": str(args.preload)}) as server:
        r = kill_one_worker(server, args.concurrency, args.before_s, args.after_s, varied_requests(10_000))
    replaced = f"{r['replaced_s']:.2f} s" if r["replaced_s"] is not None else "not within the run"
    preload = "" if args.preload else " without preload"
    print(f"gunicorn {r['workers']} worker(s){preload}, {r['concurrency']} clients, GET /?input=<prompt>&seed=<seed>; "
          f"one worker SIGKILLed after {args.before_s:.0f} s, {args.after_s:.0f} s more: {r['requests']} requests, "
          f"{r['failed']} failed, {r['after_kill_ok']} answered after the kill; longest time without a success "
          f"{r['longest_gap_s']:.2f} s; replacement worker forked after {replaced}")


if __name__ == "__main__":
    main()
