"""The client's HTTP: the package's only module that imports requests.

One Session; the key added by an auth hook when requests prepares each request, so no caller holds the
header; retries before the first byte of a reply; the streamed body read as it arrives; cancellation by
shutting the socket down from any thread; and :func:`download` for URL sources. Errors are raised
outside ``except`` blocks, so no requests internals (whose frames hold the request) are chained to them.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
import urllib3

from .._version import __version__
from ..core._defaults import CONNECT_TIMEOUT, READ_TIMEOUT, WIRE_FORMAT
from ..errors import APIConnectionError, APIError, AudioInputError, RequestTimeoutError
from ._error_body import error_for_response, short_reason, wants_pcm16
from ._replystream import CANCELLED, StreamBroken
from ._retry import delay_before_retry, is_retryable_status
from ._wire import Call, MaskedKey

Session = requests.Session  # for annotations elsewhere: only this module imports requests

_log = logging.getLogger("or_audio_widgets.client")

_ERROR_BODY_LIMIT = 64 * 1024
# Requests that no retry can fix: the URL itself is wrong.
_FATAL = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
          requests.exceptions.InvalidSchema)


class BearerAuth(requests.auth.AuthBase):
    """Adds ``Authorization`` when requests prepares the request, so no caller holds the header."""

    def __init__(self, secret: MaskedKey) -> None:
        self._secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer " + self._secret.reveal()
        return request

    def __repr__(self) -> str:
        return "<bearer auth, key hidden>"


def new_session() -> requests.Session:
    """A Session with room for transcribe_many's worker threads (requests keeps 10 connections)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Transport:
    """Sends :class:`Call` s over one Session, retrying what may succeed later, before any output."""

    def __init__(self, key: MaskedKey, session: requests.Session | None = None) -> None:
        self._key = key
        self._own_session = session is None
        self.session = session if session is not None else new_session()
        self._auth = BearerAuth(key)

    def open_stream(self, call: Call) -> ResponseConnection:
        """The streamed reply of ``call`` once the server answered 2xx (retried before its first byte)."""
        response = self.send(call)
        return ResponseConnection(response, call.read_timeout, lambda: self._resend(call))

    def get_json(self, call: Call) -> tuple[int, Any]:
        """(status, parsed JSON body or None) of a 2xx answer to ``call``."""
        response = self.send(call)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None
        finally:
            response.close()

    def close(self) -> None:
        """Close the Session, unless the caller gave it."""
        if self._own_session:
            self.session.close()

    def send(self, call: Call) -> requests.Response:
        """Send ``call`` until a 2xx response (headers read) or an error that retrying will not fix."""
        while True:
            response, error, retryable = self._attempt(call)
            retry_after = None
            if response is not None:
                if response.status_code < 400:
                    return response
                error = self._error_of(response, call)
                # once asked for, pcm16 is the wire format: a second refusal is raised, not retried
                if call.wire_format != WIRE_FORMAT and wants_pcm16(response.status_code, error):
                    call.ask_for_pcm16()  # the server takes only pcm16: ask for it, build the rest here
                    _log.info("server accepts only pcm16 on the wire; asking again with pcm16")
                    continue
                retry_after = response.headers.get("Retry-After")
                retryable = is_retryable_status(response.status_code)
            assert error is not None  # no response means _attempt described the failure
            if not (retryable and self._wait_to_retry(call, retry_after, error)):
                raise error

    def _attempt(self, call: Call) -> tuple[requests.Response | None, APIError | None, bool]:
        """One HTTP exchange; on failure, the error to raise later (outside except: no context chain)."""
        try:
            response = self.session.request(
                call.method, call.url, data=call.payload(), headers=call.headers, auth=self._auth,
                timeout=self._timeouts(call), stream=True,
            )
        except requests.Timeout as exc:
            reason = short_reason(exc, self._key.reveal())
            return None, RequestTimeoutError(f"no answer from {call.url} in time ({reason})"), True
        except requests.RequestException as exc:
            reason = short_reason(exc, self._key.reveal())
            error = APIConnectionError(f"could not reach {call.url}: {reason}")
            return None, error, not isinstance(exc, _FATAL)
        _log.debug("%s %s -> %s", call.method, call.url, response.status_code)
        return response, None, False

    @staticmethod
    def _timeouts(call: Call) -> tuple[float, float]:
        if call.deadline is None:
            return CONNECT_TIMEOUT, call.read_timeout
        left = max(0.001, call.deadline - time.monotonic())
        return min(CONNECT_TIMEOUT, left), min(call.read_timeout, left)

    def _error_of(self, response: requests.Response, call: Call) -> APIError:
        body = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=8192):
                body += chunk
                if len(body) >= _ERROR_BODY_LIMIT:
                    break
        except requests.RequestException:
            pass  # what arrived is enough to describe the error
        finally:
            response.close()
        _log.debug("error body of HTTP %s: %d bytes", response.status_code, len(body))
        return error_for_response(response.status_code, response.reason, bytes(body),
                                  scrub=self._key.reveal(), request=call.body)

    def _wait_to_retry(self, call: Call, retry_after: str | None, error: APIError) -> bool:
        delay = delay_before_retry(call.retries, call.max_retries, retry_after, call.deadline)
        if delay is None:
            return False
        call.retries += 1
        _log.info("%s %s failed (%s); retry %d of %d in %.2f s", call.method, call.url,
                 error.status or type(error).__name__, call.retries, call.max_retries, delay)
        time.sleep(delay)
        return True

    def _resend(self, call: Call) -> requests.Response | None:
        """Another try after the body failed before its first byte; None when no retry is left."""
        if not self._wait_to_retry(call, None, APIConnectionError("no bytes before the connection failed")):
            return None
        return self.send(call)


# --- the body of a streamed response ----------------------------------------------------------------------

_DRAIN_BUDGET = 64 * 1024
# What a failing read can raise: requests wraps urllib3's errors in iter_content, read1 does not.
_READ_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class ResponseConnection:
    """A streamed response as a ReplyStream's byte source.

    When the body fails before its first byte, ``resend`` may bring a new response (a retry that cannot
    duplicate output); after the first byte nothing is retried.
    """

    def __init__(self, response: requests.Response, read_timeout: float,
                 resend: Callable[[], requests.Response | None] | None = None) -> None:
        self._response = response
        self._read_timeout = read_timeout
        self._resend = resend
        self._sock = _socket_of(response)
        self._aborted = False
        self._body: Iterator[bytes] = iter(())
        self._between_bytes()

    def _between_bytes(self) -> None:
        # The headers were awaited with the deadline's remainder as timeout; the body waits at most
        # `read_timeout` between two bytes (ReplyStream's timer enforces the deadline).
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.settimeout(self._read_timeout)

    def chunks(self) -> Iterator[bytes]:
        received = False
        while True:
            try:
                self._body = _body_chunks(self._response)
                for chunk in self._body:
                    received = True
                    yield chunk
                return
            except Exception as exc:
                if not self._aborted and not isinstance(exc, _READ_ERRORS):
                    raise
                broken = _broken(exc, self._read_timeout, self._aborted)
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
            self._between_bytes()

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
        # The events stop at [DONE], before the body's last chunk. Reading that little rest lets the
        # connection go back to the pool (requests closes the socket of a body not read to its end).
        budget = _DRAIN_BUDGET
        with contextlib.suppress(Exception):
            for chunk in self._body:
                budget -= len(chunk)
                if budget < 0:
                    return


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    raw = response.raw
    if getattr(raw, "chunked", True) or not hasattr(raw, "read1"):
        # Each chunk as it arrives; never iter_lines, which mangles a CRLF split across chunks.
        yield from response.iter_content(chunk_size=None)
        return
    # A close-delimited body: iter_content(None) would wait for the end, read1 returns what is there.
    while data := raw.read1(65536):
        yield data


def _socket_of(response: requests.Response) -> socket.socket | None:
    raw = response.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)  # http.client's socket IO
    sock = getattr(fp, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _broken(exc: BaseException, read_timeout: float, aborted: bool) -> StreamBroken:
    if aborted:
        return StreamBroken(CANCELLED, "cancelled")
    if _is_timeout(exc):
        return StreamBroken("timeout", f"no data from the server for {read_timeout:g} s (read timeout)")
    return StreamBroken("connection", f"the connection dropped mid-stream ({short_reason(exc)})")


def _is_timeout(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, (TimeoutError, urllib3.exceptions.TimeoutError, requests.Timeout)):
            return True
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc, seen = inner or exc.__cause__ or exc.__context__, seen + 1
    return False


# --- downloads for URL sources -----------------------------------------------------------------------


def download(url: str, *, max_bytes: int, timeout: float = READ_TIMEOUT) -> bytes:
    """The body at an http(s) URL, read as a stream and refused past ``max_bytes``.

    Raises AudioInputError on HTTP errors, connection failures and bodies that are too large. Messages
    name the URL without its query string, which may carry a signed token.
    """
    shown = url.split("?", 1)[0]
    if not url.lower().startswith(("http://", "https://")):
        raise AudioInputError(f"only http(s) URLs can be downloaded, not {shown!r}")
    failure: str | None = None
    try:
        data = _download(url, shown, max_bytes, timeout)
    except requests.RequestException as exc:
        failure = f"could not download {shown}: {short_reason(exc)}"
    if failure is not None:  # raised outside the except block: no chained requests internals
        raise AudioInputError(failure)
    return data


def _download(url: str, shown: str, max_bytes: int, timeout: float) -> bytes:
    headers = {"User-Agent": f"or-audio-widgets/{__version__}"}
    with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT, timeout), headers=headers) as response:
        if response.status_code >= 400:
            raise AudioInputError(
                f"could not download {shown}: HTTP {response.status_code} {response.reason or ''}".rstrip()
            )
        too_large = f"{shown} is larger than the limit of {max_bytes:,} bytes; raise max_bytes to allow it"
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise AudioInputError(too_large)
        data = bytearray()
        for chunk in response.iter_content(chunk_size=64 * 1024):
            data += chunk
            if len(data) > max_bytes:
                raise AudioInputError(too_large)
    return bytes(data)
