"""The OpenRouter audio client: the package's only HTTP code (requests, one Session).

The key lives in a masked holder and reaches the wire only through an auth hook at request time, so it is
in no repr, log line or exception text, and the frames of an error raised here hold only the masked holder
(errors are raised outside ``except`` blocks, so no requests internals are chained to them).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import requests
import urllib3

from . import __version__
from ._defaults import (
    CONNECT_TIMEOUT,
    DEFAULT_BASE_URL,
    DEFAULT_LISTEN_MODEL,
    DEFAULT_SPEAK_MODEL,
    DEFAULT_VOICE,
    MAX_RETRIES,
    MODELS_TTL,
    READ_TIMEOUT,
    WIRE_FORMAT,
)
from ._errors import APIConnectionError, APIError, AudioInputError, MissingAPIKeyError, RequestTimeoutError
from ._events import Event
from ._reply import AudioReply, ReplyBuilder
from ._replystream import CANCELLED, ReplyStream, StreamBroken
from ._retry import is_retryable_status, retry_delay
from ._wire import (
    Call,
    MaskedKey,
    Messages,
    audio_part,
    build_body,
    error_for_response,
    filter_models,
    output_format,
    short_reason,
    wants_pcm16,
)

__all__ = ["OpenRouterAudio", "ReplyStream", "download"]

log = logging.getLogger("or_audio_widgets.client")

_ERROR_BODY_LIMIT = 64 * 1024
# Requests that no retry can fix: the URL itself is wrong.
_FATAL = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
          requests.exceptions.InvalidSchema)


class _BearerAuth(requests.auth.AuthBase):
    """Adds ``Authorization`` when requests prepares the request, so no caller holds the header."""

    def __init__(self, secret: MaskedKey) -> None:
        self._secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer " + self._secret.reveal()
        return request

    def __repr__(self) -> str:
        return "<bearer auth, key hidden>"


class OpenRouterAudio:
    """A client for OpenRouter's audio API: streamed speech out, audio in, with retries and timeouts.

    ``api_key`` defaults to ``OPENROUTER_API_KEY`` and ``base_url`` to ``OPENROUTER_BASE_URL`` (else
    OpenRouter). ``timeout`` is the longest wait between two bytes of a reply; ``deadline`` (seconds) caps a
    whole call. ``extra_headers`` are sent with every request.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = READ_TIMEOUT,
        deadline: float | None = None,
        max_retries: int = MAX_RETRIES,
        app_name: str = "or-audio-widgets",
        app_url: str | None = None,
        session: requests.Session | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        key = (api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY", "")).strip()
        if not key:
            raise MissingAPIKeyError()
        self._key = MaskedKey(key)
        del key, api_key  # only the masked holder keeps it
        self.base_url = (base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.deadline = deadline
        self.max_retries = max_retries
        self._own_session = session is None
        self._session = session if session is not None else _new_session()
        self._auth = _BearerAuth(self._key)
        self._headers = {"User-Agent": f"or-audio-widgets/{__version__}", "X-Title": app_name}
        if app_url:
            self._headers["HTTP-Referer"] = app_url
        self._headers.update(extra_headers or {})
        self._models: tuple[float, list[dict[str, Any]]] | None = None
        self._models_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenRouterAudio(base_url={self.base_url!r}, api_key=<hidden>)"

    # --- public API -------------------------------------------------------------------------------------

    def open(
        self,
        messages: Messages,
        *,
        model: str,
        audio: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        wire_format: str = WIRE_FORMAT,
        deadline: float | None = None,
        **params: Any,
    ) -> ReplyStream:
        """Send a chat request and return its ReplyStream once the server has answered 200.

        ``audio`` (e.g. ``{"voice": "alloy", "format": "mp3"}``) asks for a spoken reply: the wire carries
        ``wire_format`` (pcm16) and the reply is built in ``audio["format"]`` locally. Errors before the
        stream raise APIError subclasses, after retries; ``headers`` are extra headers for this request.
        """
        fmt = output_format(audio) if audio is not None else "wav"
        body = build_body(model, messages, audio, params, wire_format=wire_format)
        call = Call("POST", f"{self.base_url}/chat/completions", body, self._request_headers(headers, True),
                     self._deadline_at(deadline))
        response = self._send(call)
        connection = ResponseConnection(response, self.timeout, lambda: self._resend(call))
        builder = ReplyBuilder(format=fmt, wire_format=call.wire_format, model=model)
        return ReplyStream(connection, builder, deadline=call.deadline)

    def stream(
        self, messages: Messages, *, model: str, audio: Mapping[str, Any] | None = None, **params: Any
    ) -> Iterator[Event]:
        """The events of a reply as they arrive (see :meth:`open`); closing the iterator cancels.

        A generator: the request goes out on the first ``next()``, and errors before the stream raise there.
        """
        with self.open(messages, model=model, audio=audio, **params) as reply_stream:
            yield from reply_stream

    def speak(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_SPEAK_MODEL,
        voice: str = DEFAULT_VOICE,
        format: str = "wav",
        system: str | None = None,
        inputs: Sequence[Any] = (),
        on_event: Callable[[Event], object] | None = None,
        **params: Any,
    ) -> AudioReply:
        """Ask for a spoken reply to ``prompt`` and return it as an AudioReply in ``format``.

        ``inputs`` are audio sources (or ready ``input_audio`` dicts) sent along with the prompt;
        ``on_event`` sees each event as it arrives. A stream that breaks returns the partial reply,
        marked incomplete.
        """
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        content: Any = [{"type": "text", "text": prompt}, *map(audio_part, inputs)] if inputs else prompt
        messages.append({"role": "user", "content": content})
        audio = {"voice": voice, "format": format}
        with self.open(messages, model=model, audio=audio, **params) as reply_stream:
            return reply_stream.collect(on_event)

    def transcribe(
        self,
        audio: Any,
        *,
        prompt: str = "Transcribe this audio.",
        model: str = DEFAULT_LISTEN_MODEL,
        on_event: Callable[[Event], object] | None = None,
        **params: Any,
    ) -> AudioReply:
        """Send one audio source (or a list of them) with ``prompt``; the text reply is ``reply.text``."""
        sources = list(audio) if isinstance(audio, (list, tuple)) else [audio]
        if not sources:
            raise ValueError("transcribe() needs at least one audio source")
        parts = [{"type": "text", "text": prompt}, *map(audio_part, sources)]
        with self.open([{"role": "user", "content": parts}], model=model, **params) as reply_stream:
            return reply_stream.collect(on_event)

    def models(
        self, input_modality: str | None = None, output_modality: str | None = None, *, refresh: bool = False
    ) -> list[dict[str, Any]]:
        """Models from ``GET /models`` (cached for a while), filtered on input/output modality."""
        with self._models_lock:
            if refresh or self._models is None or time.monotonic() - self._models[0] > MODELS_TTL:
                self._models = (time.monotonic(), self._fetch_models())
            listed = self._models[1]
        return filter_models(listed, input_modality, output_modality)

    def close(self) -> None:
        """Close the HTTP session (unless it was given by the caller)."""
        if self._own_session:
            self._session.close()

    def __enter__(self) -> OpenRouterAudio:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- HTTP -------------------------------------------------------------------------------------------

    def _request_headers(self, extra: Mapping[str, str] | None, stream: bool) -> dict[str, str]:
        headers = dict(self._headers)
        if stream:
            headers["Accept"] = "text/event-stream"
        headers.update(extra or {})
        return headers

    def _deadline_at(self, deadline: float | None) -> float | None:
        seconds = self.deadline if deadline is None else deadline
        return None if seconds is None else time.monotonic() + seconds

    def _timeouts(self, call: Call) -> tuple[float, float]:
        if call.deadline is None:
            return CONNECT_TIMEOUT, self.timeout
        left = max(0.001, call.deadline - time.monotonic())
        return min(CONNECT_TIMEOUT, left), min(self.timeout, left)

    def _send(self, call: Call) -> requests.Response:
        """Send ``call``, retrying what may succeed later, until a 2xx response (headers read) or an error."""
        while True:
            response, error, retryable = self._attempt(call)
            retry_after = None
            if response is not None:
                if response.status_code < 400:
                    return response
                error = self._error_of(response)
                if not call.pcm16_fallback and call.wire_format != WIRE_FORMAT and wants_pcm16(
                    response.status_code, error
                ):
                    call.pcm16_fallback = True  # the server takes only pcm16: ask for it, build the rest here
                    if call.body is not None:
                        call.body["audio"]["format"] = WIRE_FORMAT
                    log.info("server accepts only pcm16 on the wire; asking again with pcm16")
                    continue
                retry_after = response.headers.get("Retry-After")
                retryable = is_retryable_status(response.status_code)
            assert error is not None  # no response means _attempt described the failure
            if not (retryable and self._wait_to_retry(call, retry_after, error)):
                raise error

    def _attempt(self, call: Call) -> tuple[requests.Response | None, APIError | None, bool]:
        """One HTTP exchange; on failure, the error to raise later (outside except: no context chain)."""
        connect, read = self._timeouts(call)
        try:
            response = self._session.request(
                call.method, call.url, json=call.body, headers=call.headers, auth=self._auth,
                timeout=(connect, read), stream=True,
            )
        except requests.Timeout as exc:
            reason = short_reason(exc, self._key.reveal())
            return None, RequestTimeoutError(f"no answer from {call.url} in time ({reason})"), True
        except requests.RequestException as exc:
            reason = short_reason(exc, self._key.reveal())
            error = APIConnectionError(f"could not reach {call.url}: {reason}")
            return None, error, not isinstance(exc, _FATAL)
        log.debug("%s %s -> %s", call.method, call.url, response.status_code)
        return response, None, False

    def _error_of(self, response: requests.Response) -> APIError:
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
        log.debug("error body of HTTP %s: %d bytes", response.status_code, len(body))
        return error_for_response(response.status_code, response.reason, bytes(body),
                                  scrub=self._key.reveal())

    def _wait_to_retry(self, call: Call, retry_after: str | None, error: APIError) -> bool:
        if call.retries >= self.max_retries:
            return False
        delay = retry_delay(call.retries, retry_after)
        if call.deadline is not None and time.monotonic() + delay >= call.deadline:
            return False
        call.retries += 1
        log.info("%s %s failed (%s); retry %d of %d in %.2f s", call.method, call.url,
                 error.status or type(error).__name__, call.retries, self.max_retries, delay)
        time.sleep(delay)
        return True

    def _resend(self, call: Call) -> requests.Response | None:
        """Another try after the body failed before its first byte; None when no retry is left."""
        if not self._wait_to_retry(call, None, APIConnectionError("no bytes before the connection failed")):
            return None
        return self._send(call)

    def _fetch_models(self) -> list[dict[str, Any]]:
        call = Call("GET", f"{self.base_url}/models", None, self._request_headers(None, False),
                     self._deadline_at(None))
        response = self._send(call)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        finally:
            response.close()
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise APIError(f"GET {call.url} did not answer with a model list", status=response.status_code)
        return [m for m in data if isinstance(m, dict)]


def _new_session() -> requests.Session:
    session = requests.Session()
    # Room for transcribe_many's worker threads sharing this client (requests keeps 10 by default).
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --- the body of a streamed response ----------------------------------------------------------------------

_DRAIN_BUDGET = 64 * 1024
# What a failing read can raise: requests wraps urllib3's errors in iter_content, read1 does not.
_READ_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class ResponseConnection:
    """A streamed response as a ReplyStream's byte source.

    When the body fails before its first byte, ``resend`` may bring a new response (a retry that cannot
    duplicate output); after the first byte nothing is retried.
    """

    def __init__(
        self,
        response: requests.Response,
        read_timeout: float,
        resend: Callable[[], requests.Response | None] | None = None,
    ) -> None:
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
