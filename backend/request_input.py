"""What a client sent, read defensively: a request that cannot be read is the client's fault (4xx), never a 500.

- The body: a chunked body with a bad chunk size or a missing terminator, or a connection closed mid-body,
  makes the server's input stream raise its own exception (gunicorn's InvalidChunkSize or NoMoreData,
  Werkzeug's dev server an OSError). `UnreadableBodyGuard` turns each into a 400 JSON answer and one log line.
- Forms: Werkzeug caps multipart forms (`MAX_FORM_MEMORY_SIZE`, `MAX_FORM_PARTS`) but parses a URL-encoded
  body whole, up to `MAX_CONTENT_LENGTH` (1 M fields in 3 MB cost a second of CPU). `FormParser` applies the
  same two caps to URL-encoded bodies, chunked or not: 413 beyond them.
- Multipart uploads: Werkzeug's multipart decoder also holds its read buffer to `MAX_FORM_MEMORY_SIZE`, and it
  reads 64 KiB at a time: whenever a read ended near a CR or LF (a possible boundary), the few bytes it kept
  plus the next 64 KiB went over the 64 KiB limit, so a photo's file part got 413 at random (18 of 20 1024 px
  JPEGs). `FormParser` reads in pieces of half the limit; the limit still applies to each non-file field.
- Text: the query string and form bodies must be UTF-8 once percent-decoded (`%ff` is refused, not kept as
  the literal text "%FF").
"""

import io
import logging
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser

log = logging.getLogger("backend")


class UnreadableBody(BadRequest):
    description = "The request body could not be read: broken chunked encoding, or a body cut short."


def is_utf8(percent_encoded: bytes) -> bool:
    try:
        unquote_to_bytes(percent_encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _GuardedStream:
    """The server's wsgi.input with every read failure as `UnreadableBody`. No `readinto` on purpose:
    Werkzeug's LimitedStream would call it unguarded."""

    def __init__(self, stream, environ: dict):
        self._stream, self._environ = stream, environ

    def _guard(self, read, *args):
        try:
            return read(*args)
        except HTTPException:
            raise
        except Exception as error:  # whatever the server raises for a broken body: gunicorn's are not OSErrors
            log.warning("%s %s: unreadable request body (%s: %.120s)", self._environ.get("REQUEST_METHOD"),
                        self._environ.get("PATH_INFO"), type(error).__name__, str(error))
            raise UnreadableBody() from None

    def read(self, *args):
        return self._guard(self._stream.read, *args)

    def readline(self, *args):
        return self._guard(self._stream.readline, *args)

    def readlines(self, *args):
        return self._guard(self._stream.readlines, *args)

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self):
        close = getattr(self._stream, "close", None)
        if close:
            close()


class UnreadableBodyGuard:
    """WSGI middleware: the app reads the body through `_GuardedStream`."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _GuardedStream(environ["wsgi.input"], environ)
        return self.wsgi_app(environ, start_response)


class FormParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        limit, fields = self.max_form_memory_size, self.max_form_parts
        if limit is not None and content_length is not None and content_length > limit:
            raise RequestEntityTooLarge(f"The form is {content_length} bytes; the limit is {limit}.")
        data = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise RequestEntityTooLarge(f"The form is over {limit} bytes, the limit.")
        if fields is not None and data.count(b"&") >= fields:
            raise RequestEntityTooLarge(f"The form has more than {fields} fields, the limit.")
        if not is_utf8(data):
            raise BadRequest("The form is not valid UTF-8 once percent-decoded.")
        return super()._parse_urlencoded(io.BytesIO(data), mimetype, len(data), options)


    def _parse_multipart(self, stream, mimetype, content_length, options):
        limit = self.max_form_memory_size
        parser = MultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=limit,
                                 max_form_parts=self.max_form_parts, cls=self.cls,
                                 buffer_size=64 * 1024 if limit is None else max(1024, limit // 2))
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class GuardedRequest(Request):
    form_data_parser_class = FormParser


def init_app(app: Flask) -> None:
    app.request_class = GuardedRequest
    app.wsgi_app = UnreadableBodyGuard(app.wsgi_app)

    @app.before_request
    def query_is_utf8():
        if not is_utf8(request.query_string):
            raise BadRequest("The query string is not valid UTF-8 once percent-decoded (e.g. %ff).")

    @app.after_request
    def read_what_was_sent(response):
        """A refusal sent before the body was read (a busy route, a wrong type): the body is read to its end
        first, so the server does not close a socket with unread bytes in it, which resets the connection
        and loses the answer (nginx then says 502 instead of the 4xx or 503 + Retry-After)."""
        if response.status_code >= 400 and request.content_length:
            try:
                while request.stream.read(64 * 1024):
                    pass
            except Exception:  # a body that cannot be read has had its own answer already
                pass
        return response
