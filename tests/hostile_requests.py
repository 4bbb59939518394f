"""The hostile-request table (`hostile_requests.json`, beside this file) turned into real HTTP requests.

Each row names a method, a raw path, and at most one body: `query` and `form` map names to values,
`json` is sent as written, `text` is a raw body with its `content_type`, `multipart` maps field names
to values or to files (`{"content": ..., "filename": ..., "content_type": ...}`). Large or binary
values are compact specs made into bytes here, never stored:

    {"repeat": "x", "times": 10485760}                       the string repeated: 10 MB of "x"
    {"png_header": [20000, 20000]}                            a PNG whose header claims 20000x20000 pixels
    {"image": "PNG", "size": [64, 64], "truncate": 40}       a real image file, optionally cut short

`status` is the expected status, or a [low, high] range; `chunked` sends the body with
Transfer-Encoding: chunked; `answered_by: "gunicorn"` marks a request refused by the HTTP server itself
(with its own HTML page) before the app sees it.
"""

import contextlib
import http.client
import io
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from PIL import Image

TABLE = Path(__file__).with_suffix(".json")


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (and holds almost nothing): refused before decoding."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def image_file(format: str, size: list[int], truncate: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", tuple(size), (200, 40, 40)).save(buffer, format)
    data = buffer.getvalue()
    return data[:-truncate] if truncate else data


def value(spec) -> str | bytes:
    """A table value: a literal string, or a spec for a long string or an image file."""
    if isinstance(spec, str):
        return spec
    if "repeat" in spec:
        return spec["repeat"] * spec["times"]
    if "png_header" in spec:
        return png_header(*spec["png_header"])
    if "image" in spec:
        return image_file(spec["image"], spec["size"], spec.get("truncate", 0))
    raise ValueError(f"unknown value spec {spec!r}")


def as_bytes(item: str | bytes) -> bytes:
    return item.encode() if isinstance(item, str) else item


@dataclass
class HostileRequest:
    why: str
    method: str
    target: str  # path and query, percent-encoded as sent
    headers: dict
    body: bytes | None
    chunked: bool
    status: tuple[int, int]
    json_answer: bool

    def __str__(self) -> str:
        size = f", {len(self.body)} byte body" if self.body else ""
        return f"{self.method} {self.target[:80]}{size} ({self.why})"


def multipart(fields: dict) -> tuple[bytes, str]:
    boundary = "hostile-boundary-7d1f3a"
    parts = []
    for name, field in fields.items():
        if isinstance(field, dict) and "content" in field:
            disposition = f'form-data; name="{name}"; filename="{field.get("filename", "upload.png")}"'
            head = f"Content-Disposition: {disposition}\r\nContent-Type: {field.get('content_type', 'image/png')}"
            content = as_bytes(value(field["content"]))
        else:
            head, content = f'Content-Disposition: form-data; name="{name}"', as_bytes(value(field))
        parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def build(row: dict) -> HostileRequest:
    target = row["path"]
    if "query" in row:
        query = urlencode({name: value(spec) for name, spec in row["query"].items()}, quote_via=quote)
        target += ("&" if "?" in target else "?") + query
    body, content_type = None, None
    if "json" in row:
        body, content_type = json.dumps(row["json"]).encode(), "application/json"
    elif "text" in row:
        body = as_bytes(value(row["text"]))
    elif "form" in row:
        body = urlencode({name: value(spec) for name, spec in row["form"].items()}).encode()
        content_type = "application/x-www-form-urlencoded"
    elif "multipart" in row:
        body, content_type = multipart(row["multipart"])
    content_type = row.get("content_type", content_type)
    status = row["status"]
    return HostileRequest(why=row["why"], method=row["method"], target=target,
                          headers={"Content-Type": content_type} if content_type else {}, body=body,
                          chunked=bool(row.get("chunked")), status=tuple(status) if isinstance(status, list)
                          else (status, status), json_answer=row.get("answered_by", "app") == "app")


def load_table(path: Path = TABLE) -> list[HostileRequest]:
    return [build(row) for row in json.loads(path.read_text())["requests"]]


def send(port: int, request: HostileRequest, timeout: float = 60) -> tuple[int, str, bytes]:
    """(status, content type, body). The server may answer and close before a large body is all sent
    (a 413 needs only the headers): the answer is read all the same."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body, data = request.body, request.body
        if request.chunked and data is not None:
            body = (data[i : i + 65536] for i in range(0, len(data), 65536))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # answered before the body was all sent
            connection.request(request.method, request.target, body=body, headers=request.headers,
                               encode_chunked=request.chunked)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()
