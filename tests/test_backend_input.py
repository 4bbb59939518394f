"""What clients send, read defensively (issue 15, points 3, 6 and 7): broken chunked bodies over real HTTP
to gunicorn, the prompt's Unicode rules, and the caps on URL-encoded forms."""

import socket
import time

import pytest

from tests.tiny_models import tiny_text_to_image
from tools.loadtest import GunicornServer

BROKEN_CHUNKED = {
    "bad chunk size": (b"zz\r\nhello\r\n0\r\n\r\n", False),
    "negative chunk size": (b"-6\r\nhello\r\n0\r\n\r\n", False),  # once spun a worker at 100% CPU
    "signed chunk size": (b"+5\r\nhello\r\n0\r\n\r\n", False),
    "chunk size with 0x": (b"0x5\r\nhello\r\n0\r\n\r\n", False),
    "missing chunk terminator": (b"5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n", False),
    "connection closed mid-chunk": (b"100\r\nabc", True),
}
ROUTES = {"/api/mix": "application/json", "/mnist": "application/x-www-form-urlencoded",
          "/api/sketch": "multipart/form-data; boundary=xx"}


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("input")
    tiny = tiny_text_to_image(folder / "t2i.pt")
    env = {"GAN_STUDIO_MODELS": f"text-to-image={tiny},digits,sketch"}  # a route reads its body once its model is in
    with GunicornServer(env=env, cwd=folder, log_path=folder / "gunicorn.log") as server:
        yield server


def raw_exchange(port: int, head: str, body: bytes, close_write: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode() + body)
        if close_write:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and answer.endswith(b"}\n"):
                break
        return answer


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("damage", BROKEN_CHUNKED)
def test_broken_chunked_body_is_a_400_json_and_one_log_line(gunicorn, route, damage):
    body, close_write = BROKEN_CHUNKED[damage]
    log_before = gunicorn.log()
    head = (f"POST {route} HTTP/1.1\r\nHost: test\r\nContent-Type: {ROUTES[route]}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    answer = raw_exchange(gunicorn.port, head, body, close_write)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"Content-Type: application/json" in rest and b"could not be read" in rest
    time.sleep(0.2)  # the log line is written before the answer, but through another file handle
    new_lines = gunicorn.log()[len(log_before):].splitlines()
    app_lines = [line for line in new_lines if line.strip() and not line.startswith("127.0.0.1 ")]  # no access log
    app_lines = [line for line in app_lines if "Booting worker" not in line]  # the second worker may just start
    assert len(app_lines) == 1 and f"WARNING backend: POST {route}: unreadable request body" in app_lines[0]
    assert any(f'"POST {route} HTTP/1.1" 400' in line for line in new_lines)  # the access log's line
    assert "Traceback" not in gunicorn.log()


def test_after_broken_bodies_the_same_worker_still_serves(gunicorn):
    answer = raw_exchange(gunicorn.port, "GET /?input=red&n=1 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
                          b"")
    assert answer.startswith(b"HTTP/1.1 200")


# --------------------------------------------------------------------------------------- prompt text

@pytest.mark.parametrize("raw, expected", [
    ("red%20apple", "red apple"),
    ("%F0%9F%91%A8%E2%80%8D%F0%9F%91%A9%E2%80%8D%F0%9F%91%A7", "👨\u200d👩\u200d👧"),  # family: ZWJ sequence
    ("co%C2%ADoperation", "co\u00adoperation"),  # soft hyphen
    ("cafe%CC%81", "caf\u00e9"),  # NFC: e + combining acute is stored as é
    ("%F0%9F%8F%B4%F3%A0%81%A7%F3%A0%81%A2%F3%A0%81%B3%F3%A0%81%A3%F3%A0%81%B4%F3%A0%81%BF",
     "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"),  # flag of Scotland: tag sequence
    ("%D9%85%DB%8C%E2%80%8C%D8%AE%D9%88%D8%A7%D9%87%D9%85", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
    ("%E2%A0%80red", "\u2800red"),  # a blank Braille cell beside visible text is a symbol like any other
])
def test_prompts_that_are_text_are_accepted(client, raw, expected):
    response = client.get(f"/?input={raw}&n=1")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["prompt"] == expected


@pytest.mark.parametrize("raw, message", [
    ("red%FFapple", "not valid UTF-8"),  # invalid UTF-8: was silently the literal text "red%FFapple"
    ("red%C3", "not valid UTF-8"),  # a sequence cut short
    ("red%ED%A0%80", "not valid UTF-8"),  # an encoded surrogate
    ("red%EF%BF%BF", "U+FFFF"),  # non-character
    ("red%EF%B7%90", "U+FDD0"),  # non-character in the middle block
    ("red%CD%B8", "U+0378"),  # unassigned
    ("red%EE%80%80", "U+E000"),  # private use
    ("%E3%85%A4", "no visible character"),  # Hangul filler, a "letter" drawn as nothing
    ("%E2%A0%80%E2%A0%80", "no visible character"),  # blank Braille pattern
    ("%CC%81%CC%81", "no visible character"),  # combining marks with nothing to combine with
    ("%E2%80%8D", "format character U+200D"),  # a joiner joining nothing
    ("red%20%E2%80%8D%20apple", "format character U+200D"),
    ("red%E2%80%8Bapple", "format character U+200B"),  # zero-width space
    ("red%E2%80%AEelppa", "format character U+202E"),  # right-to-left override
    ("red%F3%A0%81%A7", "format character U+E0067"),  # tag character without its flag
    ("red%07", "control character"),
])
def test_prompts_that_are_not_text_are_refused(client, raw, message):
    response = client.get(f"/?input={raw}")
    assert response.status_code == 400 and message in response.get_json()["error"], response.get_json()


def test_invalid_utf8_anywhere_in_the_query_is_refused(client):
    response = client.get("/api/random?seed=1&model=%ff")
    assert response.status_code == 400 and "UTF-8" in response.get_json()["error"]


# --------------------------------------------------------------------------------------- form limits

def test_a_form_with_a_million_fields_is_refused_before_it_is_parsed(client):
    body = b"&".join([b"a"] * 1_000_000)  # ~2 MB: under the upload limit, over the form limits
    started = time.perf_counter()
    response = client.post("/mnist", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "limit" in response.get_json()["error"]
    assert time.perf_counter() - started < 0.5  # parsing it whole took ~1 s


@pytest.mark.parametrize("body, message", [
    (b"value=12&" + b"x=1&" * 40, "more than 32 fields"),
    (b"value=" + b"1" * 70_000, "limit is 65536"),
])
def test_form_limits(client, body, message):
    response = client.post("/mnist", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and message in response.get_json()["error"]


def test_a_chunked_form_over_the_limit_is_refused_without_a_content_length(gunicorn):
    body = b"value=" + b"1" * 100_000
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 8192]), body[i:i + 8192]) for i in range(0, len(body), 8192))
    head = ("POST /mnist HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    answer = raw_exchange(gunicorn.port, head, chunked + b"0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"over 65536 bytes" in answer


def test_a_small_form_still_works_and_percent_ff_in_it_is_refused(client):
    assert client.post("/mnist", data={"value": "12"}).status_code == 503  # parsed; no digits model loaded here
    response = client.post("/mnist", data=b"value=1%ff", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "UTF-8" in response.get_json()["error"]
