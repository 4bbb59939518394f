"""A gunicorn worker that gives a thread only to a request that has fully arrived.

gunicorn's gthread worker hands a connection to a thread as soon as its first byte arrives; the thread then
blocks reading the rest. Eight clients trickling their headers or bodies (or sending half and going silent)
held all eight threads: health went unanswered for minutes. Here the worker's event loop (one thread,
non-blocking sockets) reads each request's head and body into memory first, and only a complete request
(or one over the limits below, which the app refuses at once) goes to the thread pool, through the same
gunicorn parser, which finds the bytes already buffered. A slow client costs a buffer, not a thread.

Limits, per request: the head within HEAD_TIMEOUT seconds of the first byte, the whole request within
REQUEST_TIMEOUT, else 408 and the connection closed; a connection that sends nothing is closed after
gunicorn's keep-alive time. Bodies are buffered up to MAX_UPLOAD_BYTES (the app's limit) plus room for
multipart framing; at most MAX_BUFFERED_BYTES per worker are held this way (past that a request goes to a
thread as gthread would). `Expect: 100-continue` is answered here so the client sends its body.
Plain HTTP/1.x only (no TLS, no HTTP/2: the buffer would hold encrypted or framed bytes); a second request
pipelined behind a first in one read is parsed from gunicorn's buffer by a thread, as gthread would.
"""

import contextlib
import errno
import os
import re
import socket
import time
from functools import partial

from gunicorn import http
from gunicorn.workers.gthread import TConn, ThreadWorker

HEAD_TIMEOUT = float(os.environ.get("REQUEST_HEAD_TIMEOUT", "10"))
REQUEST_TIMEOUT = float(os.environ.get("REQUEST_TIMEOUT", "60"))
MAX_HEAD_BYTES = 64 * 2**10  # gunicorn refuses more (4 KB request line, 100 fields of 8 KB) when it parses
MAX_BODY_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(4 * 2**20))) + 64 * 2**10
MAX_BUFFERED_BYTES = 512 * 2**20
HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]{1,16}")  # a chunk size, as RFC 9112 spells it
_TIMEOUT_BODY = b'{"error": "Request Timeout: the request was not sent in time."}'
TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY))


class RequestFraming:
    """How far the bytes received so far get through one HTTP/1.x request: `feed` says when it is all in.

    Only the framing is read (Content-Length, chunked encoding); anything malformed counts as complete, so
    that gunicorn's own parser refuses it with its usual answer."""

    def __init__(self):
        self.data = bytearray()
        self.head_end = -1  # index after the blank line ending the head
        self.body_length: int | None = None  # Content-Length
        self.chunked = False
        self.position = 0  # chunked: where the next chunk-size line starts
        self.expects_continue = False

    def feed(self, data: bytes) -> bool:
        self.data += data
        if self.head_end < 0:
            end = self.data.find(b"\r\n\r\n")
            if end < 0:
                return len(self.data) > MAX_HEAD_BYTES
            self.head_end = end + 4
            if not self._read_head():
                return True
        body = len(self.data) - self.head_end
        if body > MAX_BODY_BYTES or (self.body_length or 0) > MAX_BODY_BYTES:  # the app answers 413 unread
            return True
        if self.chunked:
            return self._chunks_complete()
        return body >= (self.body_length or 0)

    def _read_head(self) -> bool:
        """False if the head is malformed (gunicorn will say how)."""
        lines = bytes(self.data[: self.head_end - 4]).split(b"\r\n")
        kept = [lines[0]]
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                return False
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                if not value.isdigit() or self.body_length is not None:
                    return False
                self.body_length = int(value)
            elif name == b"transfer-encoding":
                self.chunked = value.endswith(b"chunked")
                if not self.chunked:
                    return False
            elif name == b"expect" and value == b"100-continue":
                self.expects_continue = True
                continue  # answered here; gunicorn must not answer it again
            kept.append(line)
        if self.expects_continue:
            head = b"\r\n".join(kept) + b"\r\n\r\n"
            self.data[: self.head_end] = head
            self.head_end = len(head)
        self.position = self.head_end
        return True

    def _chunks_complete(self) -> bool:
        while True:
            line_end = self.data.find(b"\r\n", self.position)
            if line_end < 0:
                return len(self.data) - self.position > 1024  # a chunk-size line that long is malformed
            size_text = bytes(self.data[self.position:line_end]).split(b";", 1)[0].strip()
            if not HEX_DIGITS.fullmatch(size_text):  # int(, 16) takes "-6", "+6", "0x6", "1_0"
                return True
            size = int(size_text, 16)
            if size == 0:  # last chunk, then trailer fields, then a blank line
                trailers = self.data[line_end + 2:]
                return trailers.startswith(b"\r\n") or b"\r\n\r\n" in trailers
            chunk_end = line_end + 2 + size + 2
            if len(self.data) < chunk_end:
                return False
            self.position = chunk_end


class BufferedThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading = {}  # conn -> (RequestFraming, first-byte time or None, deadline)
        self.buffered_bytes = 0

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._start_reading(TConn(self.cfg, client_sock, client_addr, listener.getsockname()))

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection sends its next request: read it here too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_reading(conn)

    def _start_reading(self, conn):
        conn.sock.setblocking(False)
        self.reading[conn] = (RequestFraming(), None, time.monotonic() + self.cfg.keepalive)
        self.poller.register(conn.sock, 1, partial(self._on_readable, conn))  # 1: selectors.EVENT_READ

    def _on_readable(self, conn, client):
        framing, started, deadline = self.reading[conn]
        budget_left = self.buffered_bytes < MAX_BUFFERED_BYTES
        try:
            data = conn.sock.recv(256 * 2**10)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data and not framing.data:  # closed before sending anything
            self._stop_reading(conn)
            self.nr_conns -= 1
            conn.close()
            return
        if started is None:
            started = time.monotonic()
            deadline = started + HEAD_TIMEOUT
        had_head = framing.head_end >= 0
        self.buffered_bytes += len(data)
        complete = framing.feed(data) or not data or not budget_left
        if framing.head_end >= 0 and not had_head:
            deadline = started + REQUEST_TIMEOUT
            if framing.expects_continue and not complete:
                self._send_quietly(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        if not complete:
            self.reading[conn] = (framing, started, deadline)
            return
        self._stop_reading(conn)
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(framing.data))
        conn.data_ready = True
        self.enqueue_req(conn)

    def _stop_reading(self, conn):
        framing, _, _ = self.reading.pop(conn)
        self.buffered_bytes -= len(framing.data)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    @staticmethod
    def _send_quietly(conn, data: bytes):
        try:
            conn.sock.setblocking(True)
            conn.sock.settimeout(1.0)
            conn.sock.sendall(data)
        except OSError:
            pass
        finally:
            conn.sock.setblocking(False)

    def murder_pending(self):
        """gthread's own expiry, and requests that did not arrive in time: 408 if begun, else just closed."""
        super().murder_pending()
        now = time.monotonic()
        for conn, (framing, started, deadline) in list(self.reading.items()):
            if now < deadline:
                continue
            self._stop_reading(conn)
            self.nr_conns -= 1
            if started is not None:
                self.log.warning("closed %s: request not sent within %.0f s", conn.client[0] if conn.client
                                 else "client", HEAD_TIMEOUT if framing.head_end < 0 else REQUEST_TIMEOUT)
                self._send_quietly(conn, TIMEOUT_ANSWER)
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
            conn.close()
