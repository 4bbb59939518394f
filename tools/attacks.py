"""The hostile clients of issue 22's table, as bounded loops on 127.0.0.1 against a served stack, each while
`/api/health/live` is probed every `probe_every_s`: how many probes answered within 1 s, the slowest, and
how long after the attack stopped the service answered again. Prints numbers; asserts nothing (the tests
in tests/test_served_stack.py assert).

`python -m tools.attacks --port=8080` attacks a running stack (`make run` serves on :8080);
`python -m tools.attacks --start` starts the served stack itself (backend/serve.py) with the tiny test
text-to-image model, the digits and super-resolution models (`--direct`: gunicorn alone, no nginx).
"""

import argparse
import contextlib
import io
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

HOST = "127.0.0.1"  # never anywhere else
MIX = b'{"weights": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}'


def probe(port: int, path: str = "/api/health/live", timeout: float = 1.0) -> float | None:
    """Seconds a fresh connection took to get a whole 200 answer (its Content-Length read), or None: refused,
    an error, another status, or over `timeout`."""
    started = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while True:
                sock.settimeout(max(0.01, timeout - (time.monotonic() - started)))
                chunk = sock.recv(65536)
                answer += chunk
                head, sep, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head) if sep else None
                if not chunk or (length and len(body) >= int(length.group(1))):
                    break
    except OSError:
        return None
    return time.monotonic() - started if answer.startswith(b"HTTP/1.1 200") else None


class Sockets:
    """Open sockets of one attack, closed together at its end."""

    def __init__(self):
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()

    def connect(self, port: int, rcvbuf: int | None = None) -> socket.socket | None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(2)
        try:
            sock.connect((HOST, port))
        except OSError:
            sock.close()
            return None
        with self.lock:
            self.open.append(sock)
        return sock

    def close_all(self) -> None:
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.close()
            self.open.clear()


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def _alive(sock: socket.socket) -> bool:
    """Still open from the server's side (no FIN, no reset)?"""
    try:
        sock.setblocking(False)
        try:
            data = sock.recv(65536, socket.MSG_PEEK)
            return bool(data)
        except BlockingIOError:
            return True
        finally:
            sock.setblocking(True)
    except OSError:
        return False


# --------------------------------------------------------------------------------------------- attacks
# Each takes (port, stop event, sockets) and loops until stop is set, with a bounded number of sockets.

def negative_chunk(port: int, stop: threading.Event, sockets: Sockets) -> None:
    """POST /api/mix, chunked, with chunk size -6 (67 bytes), sent twice and again every half second."""
    request = (b"POST /api/mix HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-6\r\nhello\r\n0\r\n\r\n")
    while not stop.is_set():
        for _ in range(2):
            if sock := sockets.connect(port):
                _send(sock, request)
        stop.wait(0.5)


def pipelined_halves(port: int, stop: threading.Event, sockets: Sockets, count: int = 48) -> None:
    """48 connections, each a whole request followed by half a second one, then silence."""
    whole = f"GET /api/health/live HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    half = b"GET /api/health/live HTTP/1.1\r\nHo"
    held: list[socket.socket] = []
    while not stop.is_set():
        held = [sock for sock in held if _alive(sock)]
        while len(held) < count and not stop.is_set():
            if not (sock := sockets.connect(port)) or not _send(sock, whole + half):
                break
            held.append(sock)
        stop.wait(0.5)


def unread_answers(port: int, stop: threading.Event, sockets: Sockets, count: int = 48, each: int = 32) -> None:
    """48 clients with a 4 KB receive buffer, pipelining image requests and never reading the answers."""
    requests = b"".join(f"GET /api/random?seed={i} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode() for i in range(each))
    held: list[socket.socket] = []
    while not stop.is_set():
        held = [sock for sock in held if _alive(sock)]
        while len(held) < count and not stop.is_set():
            if not (sock := sockets.connect(port, rcvbuf=4096)):
                break
            sock.settimeout(0.5)
            with contextlib.suppress(OSError):
                sock.sendall(requests)
            held.append(sock)
        stop.wait(0.5)


def trickled_body(port: int, stop: threading.Event, sockets: Sockets, count: int = 40) -> None:
    """40 looping clients announcing a 5 MB body (Content-Length) and trickling it, 1 KB every 0.2 s."""
    head = (f"POST /api/mix HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {5 * 10**6}\r\n\r\n").encode()
    held: list[socket.socket] = []
    while not stop.is_set():
        held = [sock for sock in held if _send(sock, b" " * 1024)]
        while len(held) < count and not stop.is_set():
            if not (sock := sockets.connect(port)) or not _send(sock, head):
                break
            held.append(sock)
        stop.wait(0.2)


def many_sockets(port: int, stop: threading.Event, sockets: Sockets, count: int = 2400) -> None:
    """2,400 sockets from one client, one byte each, held."""
    opened = 0
    while opened < count and not stop.is_set():
        if sock := sockets.connect(port):
            _send(sock, b"G")
            opened += 1
        else:
            stop.wait(0.05)
    stop.wait()


def _repeat(request: Callable[[], bytes], parallel: int) -> Callable:
    def attack(port: int, stop: threading.Event, sockets: Sockets) -> None:
        def loop():
            while not stop.is_set():
                try:
                    with socket.create_connection((HOST, port), timeout=60) as sock:
                        sock.sendall(request())
                        while sock.recv(65536):
                            pass
                except OSError:
                    stop.wait(0.1)
        threads = [threading.Thread(target=loop, daemon=True) for _ in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return attack


def _morph() -> bytes:
    body = json.dumps({"prompt": "red apple", "to_prompt": "blue car", "frames": 24, "format": "gif"}).encode()
    return (f"POST /api/interpolate HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


_PHOTO: list[bytes] = []


def _enhance() -> bytes:
    if not _PHOTO:
        import numpy as np
        from PIL import Image

        pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        image = Image.fromarray(pixels).resize((1024, 1024), Image.Resampling.BICUBIC)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        boundary = "gan-studio-attack"
        _PHOTO.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.jpg\"\r\n"
                      f"Content-Type: image/jpeg\r\n\r\n".encode() + buffer.getvalue()
                      + f"\r\n--{boundary}--\r\n".encode())
    body = _PHOTO[0]
    return (f"POST /api/enhance HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: multipart/form-data; "
            f"boundary=gan-studio-attack\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


ATTACKS: dict[str, tuple[Callable, str]] = {
    "negative_chunk": (negative_chunk, "POST /api/mix chunked with chunk size -6, twice every 0.5 s"),
    "pipelined_halves": (pipelined_halves, "48 connections: a whole request, then half of a second one"),
    "unread_answers": (unread_answers, "48 clients, 4 KB receive buffer, 32 pipelined image requests, never read"),
    "trickled_body": (trickled_body, "40 looping clients: Content-Length 5 MB, 1 KB every 0.2 s"),
    "many_sockets": (many_sockets, "2,400 sockets from one client, one byte each"),
    "parallel_morphs": (_repeat(_morph, 16), "16 parallel 24-frame morph GIFs, looping"),
    "parallel_enhances": (_repeat(_enhance, 32), "32 parallel 1024x1024 enhances, looping"),
}


@dataclass
class Outcome:
    attack: str
    probes: int
    within_1s: int
    slowest_s: float | None  # of the answered probes
    recovered_s: float | None  # after the attack stopped, until health answered within 1 s again

    def line(self) -> str:
        slowest = f"{self.slowest_s * 1000:.0f} ms" if self.slowest_s is not None else "-"
        recovered = f"{self.recovered_s:.2f} s" if self.recovered_s is not None else "not within 30 s"
        return (f"{self.attack:18s} health within 1 s: {self.within_1s:2d}/{self.probes:<2d}  slowest answered: "
                f"{slowest:>8s}  recovered: {recovered}")


def run(port: int, name: str, seconds: float = 8.0, probe_every_s: float = 0.5, warmup_s: float = 1.0) -> Outcome:
    """One attack for `seconds` (probes start after `warmup_s`, once the attack is in place), then recovery."""
    attack = ATTACKS[name][0]
    stop, sockets = threading.Event(), Sockets()
    thread = threading.Thread(target=attack, args=(port, stop, sockets), daemon=True)
    thread.start()
    time.sleep(warmup_s)
    times: list[float | None] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        times.append(probe(port))
        time.sleep(max(0.0, probe_every_s - (time.monotonic() - started)))
    stop.set()
    sockets.close_all()
    thread.join(10)
    stopped, recovered = time.monotonic(), None
    while time.monotonic() - stopped < 30:
        if probe(port) is not None:
            recovered = time.monotonic() - stopped
            break
        time.sleep(0.1)
    answered = [t for t in times if t is not None]
    return Outcome(name, len(times), len(answered), max(answered) if answered else None, recovered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--start", action="store_true", help="start the served stack (backend/serve.py) first")
    parser.add_argument("--direct", action="store_true", help="with --start: gunicorn alone, without nginx")
    parser.add_argument("--attacks", default=",".join(ATTACKS), help="comma-separated, of: " + ", ".join(ATTACKS))
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    names = [name for name in args.attacks.split(",") if name]
    if args.start:
        import tempfile
        from pathlib import Path

        from tests.tiny_models import tiny_text_to_image
        from tools.loadtest import GunicornServer, ServedStack

        with tempfile.TemporaryDirectory() as folder:
            tiny = tiny_text_to_image(Path(folder) / "text-to-image.pt")
            env = {"GAN_STUDIO_MODELS": f"text-to-image={tiny},digits,super-resolution", "TORCH_THREADS": "1"}
            with (GunicornServer if args.direct else ServedStack)(env=env, cwd=folder) as stack:
                print(f"{'gunicorn alone' if args.direct else 'nginx + gunicorn (backend/serve.py)'} on "
                      f"127.0.0.1:{stack.port}", flush=True)
                for name in names:
                    print(run(stack.port, name, args.seconds).line(), flush=True)
    else:
        for name in names:
            print(run(args.port, name, args.seconds).line(), flush=True)


if __name__ == "__main__":
    main()
