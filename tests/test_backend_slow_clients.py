"""Slow clients (issue 15, point 1; issue 22) against the served stack (backend/serve.py: nginx in front of
gunicorn): unfinished requests hold no thread, slow but complete requests are answered, unfinished ones are
dropped by nginx without reaching gunicorn."""

import http.client
import json
import socket
import time

import pytest

from tools.loadtest import ServedStack
from tools.slow_clients import hold, probe

THREADS = 8
pytestmark = pytest.mark.slow  # the served stack: nginx and gunicorn, a 10 s client timeout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slow")
    with ServedStack(workers=1, threads=THREADS, env={"GAN_STUDIO_MODELS": "digits"}, cwd=folder,
                     log_path=folder / "served.log") as server:
        yield server


def read_answer(connection: socket.socket) -> bytes:
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length")]
        if length and len(body) >= length[0] and not head.startswith(b"HTTP/1.1 100"):
            break
    return answer


def test_three_times_the_threads_in_slow_clients_and_health_still_answers(server):
    started = time.perf_counter()
    result = hold(server.port, holders=3 * THREADS, probes=5, interval=0.5)
    assert result["answered"] == 5 and result["slowest_s"] < 2, result
    assert time.perf_counter() - started < 30


def test_a_generation_is_served_while_slow_clients_hold_connections(server):
    from threading import Event, Thread

    from tools.slow_clients import KINDS, SlowClient

    stop = Event()
    clients = [SlowClient(server.port, KINDS[i % 4], stop) for i in range(2 * THREADS)]
    for client in clients:
        client.start()
    time.sleep(1)
    try:
        answered = []
        worker = Thread(target=lambda: answered.append(probe(server.port, "/api/random?seed=3", timeout=20)))
        worker.start()
        worker.join(25)
    finally:
        stop.set()
    assert answered and answered[0] is not None and answered[0] < 5


MIX = b'{"weights": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "seed": 1}'


@pytest.mark.parametrize("request_bytes", [
    b"GET /api/health/live HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    b"POST /api/mix HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
    b"Connection: close\r\n\r\n%s" % (len(MIX), MIX),
    b"POST /api/mix HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    b"Connection: close\r\n\r\n" + b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (
        MIX[:20], MIX[20:], b"")),
], ids=["GET", "POST with Content-Length", "POST chunked"])
def test_a_request_sent_slowly_is_answered(server, request_bytes):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        for i in range(0, len(request_bytes), 7):
            connection.sendall(request_bytes[i:i + 7])
            time.sleep(0.01)
        answer = read_answer(connection)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]


def test_expect_100_continue_is_answered_once_and_the_body_read(server):
    body = b'{"weights": [0, 1, 0, 0, 0, 0, 0, 0, 0, 0], "seed": 2}'
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(b"POST /api/mix HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert connection.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        connection.sendall(body)
        answer = read_answer(connection)
    assert answer.startswith(b"HTTP/1.1 200") and b"100 Continue" not in answer
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["seed"] == 2


def test_keep_alive_connections_serve_request_after_request(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for seed in (1, 2, 3):
        connection.request("GET", f"/api/random?seed={seed}")
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["seed"] == seed
    connection.close()


def test_an_unfinished_request_is_dropped_by_nginx_and_never_reaches_gunicorn(server):
    """nginx's client_header_timeout and client_body_timeout (10 s, backend/nginx.conf)."""
    from concurrent.futures import ThreadPoolExecutor

    def unfinished(sent: bytes) -> tuple[bytes, float]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
            connection.sendall(sent)
            started = time.perf_counter()
            try:
                answer = read_answer(connection)
            except ConnectionResetError:
                answer = b""
            return answer, time.perf_counter() - started

    seen = len(server.log())
    with ThreadPoolExecutor(2) as pool:
        head = pool.submit(unfinished, b"GET /api/health/live HTTP/1.1\r\nHost: t\r\n")
        body = pool.submit(unfinished, b"POST /api/mix HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{")
        answers = {"head": head.result(), "body": body.result()}
    for name, (answer, seconds) in answers.items():
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), (name, answer[:200])
        assert 9 < seconds < 15, (name, seconds)
    assert '"POST /api/mix' not in server.log()[seen:]  # gunicorn never saw the unfinished body
