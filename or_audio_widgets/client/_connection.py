"""The body of a streamed response as a ReplyStream's byte source.

Bytes are read as they arrive, at most 64 KiB at a time whatever the framing (a server's one huge chunk is
read in pieces), decompressed when the server compressed them (also when the body ends with the
connection), and every failure to read becomes :class:`StreamBroken`, with the reason masked.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from typing import Any

import requests
import urllib3

from ._error_body import short_reason
from ._replystream import CANCELLED, StreamBroken

_READ_SIZE = 64 * 1024
_DRAIN_BUDGET = 64 * 1024
# After [DONE], the end of the body (a chunked body's last chunk) usually came with it; wait this long
# for it, no more: a server that keeps the connection open must not hold a finished reply.
_DRAIN_WAIT = 0.005


class ResponseConnection:
    """A streamed response as a ReplyStream's byte source.

    When the body fails before its first byte, ``resend`` may bring a new response (a retry that cannot
    duplicate output); after the first byte nothing is retried. ``secrets`` are masked out of reasons.
    """

    def __init__(self, response: requests.Response, read_timeout: float,
                 resend: Callable[[], requests.Response | None] | None = None,
                 secrets: tuple[str, ...] = ()) -> None:
        self._response = response
        self.status = response.status_code
        self.headers = dict(response.headers)  # as the server sent them: the Requester masks its copy
        self._read_timeout = read_timeout
        self._resend = resend
        self._secrets = secrets
        self._sock = _socket_of(response)
        self._aborted = False
        self._body: Iterator[bytes] = iter(())
        self._between_bytes(read_timeout)

    def _between_bytes(self, seconds: float) -> None:
        # The headers were awaited under the deadline's watchdog; the body waits at most `read_timeout`
        # between two bytes (ReplyStream's timer enforces the deadline).
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.settimeout(seconds)

    def chunks(self) -> Iterator[bytes]:
        received = False
        while True:
            try:
                self._body = _body_chunks(self._response)
                for chunk in self._body:
                    received = True
                    yield chunk
                return
            except Exception as exc:  # whatever the read raised underneath, the stream is broken
                broken = _broken(exc, self._read_timeout, self._aborted, self._secrets)
            if received or self._aborted or self._resend is None:
                raise broken
            self._response.close()
            response = self._resend()
            if response is None:
                raise broken
            if self._aborted:  # cancelled while waiting to retry: this reply is not wanted either
                response.close()
                raise StreamBroken(CANCELLED, "cancelled")
            self._response, self._sock = response, _socket_of(response)
            self._between_bytes(self._read_timeout)

    def abort(self) -> None:
        # shutdown() wakes a recv() blocked in another thread (close() would not), and tells the server
        # to stop generating.
        self._aborted = True
        if self._sock is None:
            self._response.close()
            return
        with contextlib.suppress(OSError):  # already closed
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if not self._aborted:
            self._drain()
        self._response.close()

    def _drain(self) -> None:
        # The events stop at [DONE], before the body's last chunk. Reading that little rest, when it is
        # already there, lets the connection go back to the pool; otherwise it is closed.
        if self._sock is None:
            return
        self._between_bytes(_DRAIN_WAIT)
        budget = _DRAIN_BUDGET
        with contextlib.suppress(Exception):
            for chunk in self._body:
                budget -= len(chunk)
                if budget < 0:
                    return


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The body's bytes as they arrive, decompressed, at most ``_READ_SIZE`` at a time.

    Never ``iter_lines``, which mangles a CRLF split across chunks; nor ``iter_content(None)``, which
    reads a chunk of any size whole (a hostile server's 200 MB chunk) and, on a body delimited by the
    connection's close, waits for the end.
    """
    raw: Any = response.raw
    if not hasattr(raw, "read1"):  # not urllib3 (a test double): whatever it yields
        yield from response.iter_content(chunk_size=_READ_SIZE)
        return
    if raw.chunked and raw.supports_chunked_reads():
        yield from raw.read_chunked(_READ_SIZE, decode_content=True)
        return
    while data := raw.read1(_READ_SIZE, decode_content=True):  # b"" only at the end of the body
        yield data


def _socket_of(response: requests.Response) -> socket.socket | None:
    raw = response.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)  # http.client's socket IO
    sock = getattr(fp, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _broken(exc: BaseException, read_timeout: float, aborted: bool, secrets: tuple[str, ...]) -> StreamBroken:
    if aborted:
        return StreamBroken(CANCELLED, "cancelled")
    if _is_timeout(exc):
        return StreamBroken("timeout", f"no data from the server for {read_timeout:g} s (read timeout)")
    return StreamBroken("connection", f"the connection dropped mid-stream ({short_reason(exc, secrets)})")


def _is_timeout(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, (TimeoutError, urllib3.exceptions.TimeoutError, requests.Timeout)):
            return True
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc, seen = inner or exc.__cause__ or exc.__context__, seen + 1
    return False
