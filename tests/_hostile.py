"""Small hostile HTTP servers on 127.0.0.1 for the reliability tests, and a secret-leak checker.

A :class:`HostileServer` runs one handler per connection in a daemon thread: the handler reads the request
with :func:`read_request` and writes whatever bytes it likes (trickled, never ending, compressed, lying).
Every wait is bounded, and closing the server closes every connection it holds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

KEY = "sk-or-v1-HOSTILE-0123456789abcdef0123456789abcdef"
Handler = Callable[[socket.socket], None]


class HostileServer:
    """Accepts connections on 127.0.0.1 and hands each to ``handler`` in its own thread."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/api/v1"
        self.connections = 0
        self.closed = threading.Event()
        self._socks: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._socks.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            self._handler(conn)
        except OSError:
            pass  # the client went away: what hostile servers expect
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self.closed.set()
        self._listener.close()
        for conn in self._socks:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(2)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """(head, body) of one request: headers up to the blank line, then Content-Length bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = conn.recv(65536)
        if not got:
            return data, b""
        data += got
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    while len(body) < length:
        got = conn.recv(65536)
        if not got:
            break
        body += got
    return head, body


def event(payload: dict[str, Any]) -> bytes:
    """One SSE data event."""
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def transcript(text: str) -> bytes:
    """An event carrying a piece of transcript."""
    return event({"id": "gen-1", "model": "m", "choices": [{"delta": {"audio": {"transcript": text}}}]})


SSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"


def chunked(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def trickle(head: bytes, body: bytes = b"", pause: float = 0.25) -> Handler:
    """A handler that reads the request, sends ``head`` at once, then ``body`` a byte every ``pause`` s."""

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head)
        for byte in body:
            conn.sendall(bytes([byte]))
            time.sleep(pause)

    return handler


def wait_closed(conn: socket.socket, seconds: float) -> None:
    """Hold the connection open (reading nothing useful) until the client closes it or time runs out."""
    conn.settimeout(0.1)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if not conn.recv(1024):
                return
        except TimeoutError:
            continue


def run_bounded(function: Callable[[], Any], seconds: float) -> Any:
    """Run ``function`` in a thread; its result (or exception) — or AssertionError if it hangs."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call did not return within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception in its ``__cause__`` / ``__context__`` chain."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]


def leak_texts(error: BaseException) -> list[str]:
    """Every text an exception shows: message, repr, args, attributes, and traceback with locals, for
    each exception of its chain."""
    texts = []
    for item in chain(error):
        texts += [str(item), repr(item), repr(item.args), repr(getattr(item, "__dict__", {}))]
        texts.append("".join(traceback.format_exception(item)))
        captured = traceback.TracebackException.from_exception(item, capture_locals=True)
        texts.append("".join(captured.format()))
    return texts


def assert_no_secret(
    secret: str | tuple[str, ...], *things: Any, records: Iterable[logging.LogRecord] = ()
) -> None:
    """No secret (nor a 12-character piece of one) is in an exception's texts (its chain and the locals
    of its frames included), a value's repr, str or HTML, or a log record."""
    secrets = (secret,) if isinstance(secret, str) else secret
    pieces = {s[i : i + 12] for s in secrets for i in range(0, len(s) - 11, 6)} | set(secrets)
    texts: list[str] = []
    for thing in things:
        if isinstance(thing, BaseException):
            texts += leak_texts(thing)
        else:
            texts += [repr(thing), str(thing)]
            if hasattr(thing, "_repr_html_"):
                texts.append(thing._repr_html_())
    texts += [record.getMessage() for record in records]
    texts += [repr(record.__dict__) for record in records]
    for text in texts:
        for piece in pieces:
            at = text.find(piece)
            assert at < 0, f"a piece of a secret leaked: ...{text[max(0, at - 80) : at + 80]}"
