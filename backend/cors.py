"""Which browser origins may call the API from another origin (CORS), matched whole.

None by default: the page and the API share one origin behind the frontend's nginx, which needs no CORS at
all. `CORS_ORIGINS` lists origins (`scheme://host[:port]`), each matched exactly (case aside), or with
`*.` as its first label for any subdomain (`https://*.studio.example` matches `https://a.studio.example`,
never `https://studio.example.evil.com`); `*` alone allows every origin, for development only, and is
answered with a literal `*` (so `null`, the origin of sandboxed frames and files, is never echoed back).
Only the methods and the header the API uses are allowed.
"""

import re

from flask import Flask
from flask_cors import CORS

METHODS = ["GET", "HEAD", "POST", "OPTIONS"]
HEADERS = ["Content-Type"]  # JSON bodies; multipart and form posts need no preflight
EXPOSED = ["Retry-After"]  # the page reads it from a 503 to say when it tries again
ORIGIN = re.compile(r"(https?)://(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(:\d{1,5})?", re.IGNORECASE)


def origin_pattern(origin: str) -> re.Pattern:
    """A configured origin as a pattern that must match the request's whole Origin header."""
    match = ORIGIN.fullmatch(origin)
    if not match:
        raise ValueError(f"CORS_ORIGINS: {origin!r} is not an origin like https://studio.example[:port] "
                         "or https://*.studio.example")
    scheme, wildcard, host, port = match.groups()
    subdomains = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\." if wildcard else ""
    return re.compile(re.escape(f"{scheme}://") + subdomains + re.escape(host + (port or "")) + r"\Z", re.IGNORECASE)


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    if origins == ["*"]:
        CORS(app, origins="*", send_wildcard=True, methods=METHODS, allow_headers=HEADERS, expose_headers=EXPOSED,
             max_age=600)
        return
    CORS(app, origins=[origin_pattern(origin) for origin in origins], methods=METHODS, allow_headers=HEADERS,
         expose_headers=EXPOSED, max_age=600)
