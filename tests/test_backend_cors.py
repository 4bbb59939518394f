"""CORS (issue 15, point 4): none by default, whole-origin matching, only the methods and header the API uses."""

import pytest

from backend import create_app
from backend.cors import origin_pattern


def client_for(checkpoint, origins: list[str] | None):
    config = {"MODELS": {"text-to-image": str(checkpoint)}}
    if origins is not None:
        config["CORS_ORIGINS"] = origins
    return create_app(config).test_client()


def allowed_origin(client, origin: str) -> str | None:
    return client.get("/api/health", headers={"Origin": origin}).headers.get("Access-Control-Allow-Origin")


def test_no_cors_by_default(tiny_checkpoint, monkeypatch):
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    client = client_for(tiny_checkpoint, None)
    for origin in ("http://localhost:8080", "https://evil.example", "null"):
        assert allowed_origin(client, origin) is None
    preflight = client.options("/api/mix", headers={"Origin": "https://evil.example",
                                                    "Access-Control-Request-Method": "POST"})
    assert not any(name.startswith("Access-Control-") for name, _ in preflight.headers)


@pytest.mark.parametrize("origin, allowed", [
    ("https://studio.example", True),
    ("HTTPS://Studio.Example", True),  # origins compare case-insensitively
    ("https://a.studio.example", True),
    ("https://a.b.studio.example", True),
    ("https://studio.example.evil.com", False),  # passed flask-cors' prefix match of the pattern as a regex
    ("https://evilstudio.example", False),
    ("https://a.studio.example.evil.com", False),
    ("http://a.studio.example", False),  # another scheme
    ("https://a.studio.example:8443", False),  # another port
    ("http://localhost:8080", True),
    ("http://localhost:8081", False),
    ("http://localhost:80801", False),
    ("null", False),
])
def test_origins_match_whole(tiny_checkpoint, origin, allowed):
    client = client_for(tiny_checkpoint, ["https://studio.example", "https://*.studio.example", "http://localhost:8080"])
    assert allowed_origin(client, origin) == (origin if allowed else None)


def test_preflight_allows_only_what_the_api_uses(tiny_checkpoint):
    client = client_for(tiny_checkpoint, ["http://localhost:8080"])
    headers = {"Origin": "http://localhost:8080", "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "Content-Type"}
    preflight = client.options("/api/mix", headers=headers)
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    for method in ("PUT", "PATCH", "DELETE"):
        refused = client.options("/api/mix", headers={**headers, "Access-Control-Request-Method": method})
        assert "Access-Control-Allow-Methods" not in refused.headers, method
    odd_header = client.options("/api/mix", headers={**headers, "Access-Control-Request-Headers": "X-Evil"})
    assert "Access-Control-Allow-Headers" not in odd_header.headers


def test_star_for_development_never_echoes_an_origin(tiny_checkpoint):
    client = client_for(tiny_checkpoint, ["*"])
    assert allowed_origin(client, "https://anything.example") == "*"
    assert allowed_origin(client, "null") == "*"  # "*" grants no credentials; "null" itself is never echoed


@pytest.mark.parametrize("bad", ["studio.example", "https://studio.example/", "https://studio.*.example",
                                 "https://studio.example/path", "*.studio.example", "null"])
def test_a_configured_value_that_is_no_origin_stops_start_up(bad):
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        origin_pattern(bad)
