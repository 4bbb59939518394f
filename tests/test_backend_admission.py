"""Heavy routes bounded on their own (backend/admission.py): a limit and a queue per route, 503 + Retry-After
past them, and health answering while every heavy slot is taken."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.admission import Admission, Busy, parse_limits


@pytest.fixture(scope="module")
def app_config():
    return {"HEAVY_LIMITS": "interpolate=1:1,generate=1:0", "HEAVY_MAX_THREADS": 3, "HEAVY_WAIT_S": 10}


def test_limits_parse_and_refuse_nonsense():
    assert parse_limits(" enhance=1:2, sketch=2:0 ") == {"enhance": (1, 2), "sketch": (2, 0)}
    for bad in ("enhance=0:2", "enhance=1", "enhance=a:b"):
        with pytest.raises(ValueError):
            parse_limits(bad)


def test_a_gate_runs_its_limit_queues_the_next_and_refuses_the_rest():
    admission = Admission({"morph": (1, 1)}, max_threads=10, wait_s=5)
    inside, release = threading.Event(), threading.Event()

    def hold():
        with admission.admit("morph"):
            inside.set()
            release.wait(5)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(hold)
        assert inside.wait(5)
        second = pool.submit(hold)  # waits for the slot
        deadline = time.monotonic() + 5
        while admission.gates["morph"].held < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(Busy) as refused, admission.admit("morph"):
            pass
        release.set()
        first.result(), second.result()
    assert refused.value.retry_after_s >= 1 and admission.held == 0
    with admission.admit("morph"):  # free again
        pass
    with admission.admit("not-limited"):
        pass


def test_all_heavy_requests_together_hold_at_most_max_threads():
    admission = Admission({"a": (2, 2), "b": (2, 2)}, max_threads=3, wait_s=5)
    with admission.admit("a"), admission.admit("a"), admission.admit("b"), pytest.raises(Busy), admission.admit("b"):
        pass


def test_a_full_heavy_route_answers_503_and_health_does_not_wait(app, client):
    model = app.extensions["gan_studio_models"]["text-to-image"]
    entered, release, original = threading.Event(), threading.Event(), model.batcher.generate

    def slow(prompts, seeds):
        entered.set()
        release.wait(20)
        return original(prompts, seeds)

    model.batcher.generate = slow
    morph = {"prompt": "red apple", "to_prompt": "blue car", "frames": 2}
    try:
        with ThreadPoolExecutor(2) as pool:
            running = pool.submit(client.get, "/?input=red&n=16")  # the one large generation allowed
            assert entered.wait(10)
            refused = client.get("/?input=red&n=12")  # generate=1:0: no queue
            started = time.monotonic()
            assert client.get("/api/health/live").status_code == 200
            assert time.monotonic() - started < 1
            release.set()
            assert running.result().status_code == 200
    finally:
        model.batcher.generate = original
        release.set()
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "2"
    assert "busy" in refused.get_json()["error"]
    assert client.post("/api/interpolate", json=morph).status_code == 200  # the gate let go
