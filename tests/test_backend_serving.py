"""The backend as it runs for real: an HTTP server on a free loopback port, concurrent clients,
micro-batching, and a model failure that costs one request, not the server."""

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from werkzeug.serving import make_server

from backend.batching import MicroBatcher


@pytest.fixture(scope="module")
def app_config():
    return {"BATCH_WAIT_MS": 20}


@pytest.fixture(scope="module")
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield app, httpd.server_port
    httpd.shutdown()


def get(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, body


def test_real_http_server_answers_concurrent_clients(server):
    app, port = server
    batcher = app.extensions["gan_studio_models"]["text-to-image"].batcher
    calls = []
    original = batcher.generate
    batcher.generate = lambda prompts, seeds: calls.append(len(prompts)) or original(prompts, seeds)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: get(port, f"/?input=prompt%20{i}&seed={i}&n=2"), range(16)))
    finally:
        batcher.generate = original
    assert all(status == 200 and len(body["images"]) == 2 for status, body in results)
    assert [body["seed"] for _, body in results] == list(range(16))
    assert sum(calls) == 32 and len(calls) < 16  # requests that arrived together shared forward passes


def test_bad_request_over_http_is_json(server):
    _, port = server
    status, body = get(port, "/?input=")
    assert status == 400 and "empty" in body["error"]


def test_a_failing_model_costs_one_request_not_the_server(server):
    app, port = server
    batcher = app.extensions["gan_studio_models"]["text-to-image"].batcher
    original = batcher.generate

    def broken(prompts, seeds):
        raise RuntimeError("simulated failure inside the generator")

    batcher.generate = broken
    try:
        status, body = get(port, "/?input=red")
    finally:
        batcher.generate = original
    assert status == 500 and len(body["error_id"]) == 12 and "simulated" not in body["error"]
    status, body = get(port, "/?input=red")
    assert status == 200 and len(body["images"]) == 5


def test_micro_batcher_splits_results_in_order():
    batcher = MicroBatcher(lambda prompts, seeds: torch.tensor(seeds, dtype=torch.float32)[:, None],
                           max_wait_ms=30, max_images=100)
    with ThreadPoolExecutor(6) as pool:
        outputs = list(pool.map(lambda i: batcher.submit(["p"] * 3, [10 * i, 10 * i + 1, 10 * i + 2]), range(6)))
    for i, output in enumerate(outputs):
        assert output[:, 0].tolist() == [10 * i, 10 * i + 1, 10 * i + 2]


def test_micro_batcher_answers_a_lone_request_without_waiting_for_company():
    batcher = MicroBatcher(lambda prompts, seeds: torch.zeros(len(prompts), 1), max_wait_ms=2000)
    batcher.submit(["p"], [0])  # starts the worker
    start = time.perf_counter()
    batcher.submit(["p"], [1])
    assert time.perf_counter() - start < 1.0  # not the 2 s window: nobody else was waiting
