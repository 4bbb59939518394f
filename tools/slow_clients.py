"""Slow-client report: `python -m tools.slow_clients`. Prints numbers; asserts nothing (the test is
tests/test_backend_slow_clients.py).

Starts the served stack as shipped (nginx in front of gunicorn, backend/serve.py; `--direct` for gunicorn
alone, without nginx) on loopback, opens `--holders` connections that each hold a request
unfinished (four kinds in turn: headers trickled a byte at a time, a body trickled after its headers, half
the headers then silence, connected and silent), then probes `/api/health/live` once a second: how many
probes answered, and how fast.
"""

import argparse
import http.client
import socket
import threading
import time

from tools.loadtest import GunicornServer, ServedStack

KINDS = ("headers trickled", "body trickled", "half the headers, then silent", "connected, silent")


class SlowClient(threading.Thread):
    """One connection that keeps a request unfinished until `stop` is set (or the server closes it)."""

    def __init__(self, port: int, kind: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.kind, self.stop = port, kind, stop
        self.closed_by_server = False

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=120) as connection:
            head = b"POST /api/mix HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n"
            try:
                if self.kind == "headers trickled":
                    for byte in head:
                        connection.sendall(bytes([byte]))
                        if self.stop.wait(0.5):
                            return
                elif self.kind == "body trickled":
                    connection.sendall(head + b"\r\n")
                    while not self.stop.wait(0.5):
                        connection.sendall(b" ")
                elif self.kind == "half the headers, then silent":
                    connection.sendall(head[: len(head) // 2])
                self.stop.wait()
            except OSError:  # closed by the server
                self.closed_by_server = True


def probe(port: int, path: str = "/api/health/live", timeout: float = 10) -> float | None:
    """Seconds until `path` answered 200, or None if it did not within `timeout`."""
    started = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("GET", path)
        ok = connection.getresponse().status == 200
        connection.close()
    except OSError:
        return None
    return time.perf_counter() - started if ok else None


def hold(port: int, holders: int, probes: int, interval: float = 1.0) -> dict:
    """Opens `holders` slow clients, then probes; every client is released at the end."""
    stop = threading.Event()
    clients = [SlowClient(port, KINDS[i % len(KINDS)], stop) for i in range(holders)]
    for client in clients:
        client.start()
    time.sleep(2)  # every slow client has connected and begun
    try:
        answers = []
        for _ in range(probes):
            answers.append(probe(port))
            time.sleep(interval)
    finally:
        stop.set()
    answered = [seconds for seconds in answers if seconds is not None]
    return {"holders": holders, "probes": probes, "answered": len(answered),
            "slowest_s": max(answered) if answered else None}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=64, help="slow connections (4x the 2 x 8 threads)")
    parser.add_argument("--probes", type=int, default=15)
    parser.add_argument("--direct", action="store_true", help="gunicorn alone, without nginx in front")
    args = parser.parse_args(argv)
    server_class = GunicornServer if args.direct else ServedStack
    with server_class(env={"GAN_STUDIO_MODELS": "digits"}) as server:
        r = hold(server.port, args.holders, args.probes)
    slowest = f"{r['slowest_s'] * 1000:.0f} ms" if r["slowest_s"] is not None else "-"
    print(f"{'gunicorn alone' if args.direct else 'nginx + gunicorn'}, 2 workers x 8 threads: "
          f"{r['holders']} slow connections held; /api/health/live answered {r['answered']} of {r['probes']} "
          f"probes (10 s timeout each), slowest {slowest}")


if __name__ == "__main__":
    main()
