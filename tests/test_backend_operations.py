"""Operating the server (issue 15, points 2 and 8): liveness apart from readiness, a worker's death
costing its own requests only, the access log, Prometheus metrics, and 503 with Retry-After when the
micro-batch queue is full."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from backend.batching import MicroBatcher, QueueFull
from tools.loadtest import GunicornServer
from tools.worker_kill import kill_one_worker


@pytest.fixture(scope="module")
def app_config():
    return {"BATCH_MAX_QUEUED": 8, "BATCH_WAIT_MS": 1}


def test_live_and_ready(app, client):
    assert client.get("/api/health/live").get_json() == {"status": "alive"}
    assert client.get("/api/health/ready").get_json() == {"status": "ready", "models": ["text-to-image"]}
    batcher = app.extensions["gan_studio_models"]["text-to-image"].batcher
    client.get("/?input=red&n=1")  # the batcher's thread runs from the first request
    original = batcher.worker
    batcher.worker = threading.Thread(target=lambda: None)  # a thread that has ended
    batcher.worker.start()
    batcher.worker.join()
    try:
        response = client.get("/api/health/ready")
        assert response.status_code == 503 and "batchers stopped: ['text-to-image']" in response.get_json()["error"]
        assert client.get("/api/health/live").status_code == 200
    finally:
        batcher.worker = original


def sample(metrics_text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    for line in metrics_text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            inside = line[line.find("{") + 1:line.find("}")]
            found = dict(part.split("=", 1) for part in inside.split(",") if "=" in part)
            if all(found.get(key) == f'"{value}"' for key, value in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_latency_errors_and_batches(client):
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        assert client.get("/?input=red&n=2").status_code == 200
    assert client.get("/?input=").status_code == 400
    assert client.get("/api/no-such-thing").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = response.get_data(as_text=True)

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("gan_studio_requests_total", method="GET", route="/", status="200") == 3
    assert grew("gan_studio_requests_total", method="GET", route="/", status="400") == 1
    assert grew("gan_studio_requests_total", method="GET", route="unmatched", status="404") == 1  # not the raw path
    assert grew("gan_studio_errors_total", route="/", kind="client") == 1
    assert grew("gan_studio_request_seconds_count", route="/") == 4
    assert sample(after, "gan_studio_request_seconds_bucket", route="/", le="+Inf") >= 4
    assert grew("gan_studio_batch_images_count", model="text-to-image") >= 1
    assert grew("gan_studio_batch_images_sum", model="text-to-image") == 6  # 3 requests x 2 images
    assert "gan_studio_queued_images" in after and "/api/no-such-thing" not in after


def test_made_up_methods_share_one_label(client):
    before = client.get("/metrics").get_data(as_text=True)
    for i in range(300):
        assert client.open("/api/health/live", method=f"X{i:03d}FOO").status_code == 405
    after = client.get("/metrics").get_data(as_text=True)
    assert sample(after, "gan_studio_requests_total", method="other", route="unmatched", status="405") - \
        sample(before, "gan_studio_requests_total", method="other", route="unmatched", status="405") == 300
    assert "X000FOO" not in after and len(after) - len(before) < 2000


def test_a_full_queue_answers_503_with_retry_after(app, client):
    batcher = app.extensions["gan_studio_models"]["text-to-image"].batcher
    entered, release, original = threading.Event(), threading.Event(), batcher.generate

    def slow(prompts, seeds):
        entered.set()
        release.wait(30)
        return original(prompts, seeds)

    batcher.generate = slow
    try:
        with ThreadPoolExecutor(2) as pool:
            in_pass = pool.submit(client.get, "/?input=red&n=5")  # taken into a forward pass, which waits
            assert entered.wait(10)
            waiting = pool.submit(client.get, "/?input=red&n=5")  # waits in the queue: 5 of 8 images
            deadline = time.monotonic() + 10
            while batcher.queued_images < 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            refused = client.get("/?input=red&n=5")  # 5 + 5 > 8
            release.set()
            assert in_pass.result().status_code == 200 and waiting.result().status_code == 200
    finally:
        batcher.generate = original
        release.set()
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert "busy" in refused.get_json()["error"]


def test_an_empty_queue_takes_a_request_larger_than_the_limit():
    batcher = MicroBatcher(lambda prompts, seeds: torch.zeros(len(prompts), 1), max_queued=2)
    assert batcher.submit(["p"] * 5, list(range(5))).shape == (5, 1)
    batcher.queued_images = 1  # as if another request waited
    with pytest.raises(QueueFull):
        batcher.submit(["p"] * 2, [0, 1], timeout=1)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ops")
    with GunicornServer(env={"GAN_STUDIO_MODELS": "digits"}, cwd=folder, log_path=folder / "gunicorn.log") as server:
        deadline = time.monotonic() + 20
        while len(server.worker_pids()) < 2 and time.monotonic() < deadline:  # ready once the first answers
            time.sleep(0.1)
        yield server


def test_access_log_and_metrics_summed_over_the_workers(gunicorn):
    from tools.slow_clients import probe

    assert len(gunicorn.worker_pids()) == 2
    for seed in range(20):
        assert probe(gunicorn.port, f"/api/random?seed={seed}") is not None
    time.sleep(0.3)
    log = gunicorn.log()
    assert '"GET /api/random?seed=19 HTTP/1.1" 200' in log
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", gunicorn.port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    assert sample(text, "gan_studio_requests_total", method="GET", route="/api/random", status="200") == 20


def test_a_killed_worker_costs_its_own_requests_and_is_replaced_at_once(gunicorn):
    paths = [f"/api/random?seed={i}" for i in range(1000)]
    result = kill_one_worker(gunicorn, concurrency=4, before_s=1.5, after_s=4, paths=paths)
    assert result["failed"] <= 4, result  # at most what the killed worker had in flight
    assert result["replaced_s"] is not None and result["replaced_s"] < 3, result  # preloaded: no model reload
    assert result["longest_gap_s"] < 1.5, result  # the other worker answered meanwhile
    assert result["after_kill_ok"] > 10, result
    time.sleep(0.3)
    assert f"<{result['replacement_pid']}>" in gunicorn.log()  # the new one serves
    assert len(gunicorn.worker_pids()) == 2
