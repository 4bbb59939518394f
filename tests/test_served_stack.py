"""Issue 22's attack table against the served stack (backend/serve.py: nginx in front of gunicorn, as `make run`
and the image serve), each row a bounded loop of raw sockets on 127.0.0.1 (tools/attacks.py) while
`/api/health/live` is probed: health answers within 1 s through each attack and the service recovers by
itself after it. Also: the page and the API on one origin, a body over 4 MB refused by nginx, /metrics from
this machine only, the per-client rate limit."""

import http.client
import json
import time

import pytest

from tests.tiny_models import tiny_text_to_image
from tools.attacks import ATTACKS, probe, run
from tools.loadtest import ServedStack

pytestmark = pytest.mark.slow  # nginx and gunicorn with three models, seven attacks: a few minutes


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    tiny = tiny_text_to_image(folder / "text-to-image.pt")
    env = {"GAN_STUDIO_MODELS": f"text-to-image={tiny},digits,super-resolution", "TORCH_THREADS": "1"}
    with ServedStack(env=env, cwd=folder, log_path=folder / "served.log") as server:
        yield server


@pytest.mark.parametrize("attack", ATTACKS)
def test_health_answers_within_a_second_through_each_attack_and_the_service_recovers(stack, attack):
    outcome = run(stack.port, attack, seconds=4.0)
    assert outcome.within_1s == outcome.probes >= 6, outcome.line()
    assert outcome.recovered_s is not None and outcome.recovered_s < 5, outcome.line()
    assert probe(stack.port, "/api/random?seed=1", timeout=10) is not None  # and it still generates


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    answer = (response.status, dict(response.getheaders()), response.read())
    connection.close()
    return answer


def test_the_seed_route_and_the_api_share_the_origin(stack):
    status, _, body = get(stack.port, "/?input=red%20apple&n=1&seed=3")
    assert status == 200 and len(json.loads(body)["images"]) == 1
    status, _, body = get(stack.port, "/")  # no page in this stack: the API's answer
    assert status == 400 and "error" in json.loads(body)
    assert get(stack.port, "/api/health/ready")[0] == 200


def test_a_body_over_4_mb_is_refused_before_gunicorn_reads_it(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    connection.putrequest("POST", "/api/enhance")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(5 * 10**6))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and response.getheader("Content-Type") == "application/json"
    assert "over 4 MB" in json.loads(response.read())["error"]
    connection.close()


def test_metrics_answer_this_machine(stack):
    status, _, body = get(stack.port, "/metrics")
    assert status == 200 and b"gan_studio_requests_total" in body


def test_a_flood_from_one_address_gets_429_with_retry_after_and_health_is_spared(stack):
    statuses = []
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    for _ in range(3000):  # as fast as one connection goes: over 100 a second after a burst of 200
        connection.request("GET", "/api/no-such-route")
        response = connection.getresponse()
        statuses.append((response.status, response.getheader("Retry-After")))
        response.read()
        if response.status == 429:
            break
    connection.close()
    assert statuses[-1] == (429, "1"), statuses[-3:]
    assert probe(stack.port) is not None
    time.sleep(2.5)  # the bucket refills
    assert get(stack.port, "/api/no-such-route")[0] == 404
