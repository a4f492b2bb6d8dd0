"""The client's HTTP: one Session, sending :class:`Call` s with retries, under the call's deadline.

The key is added by an auth hook when requests prepares each request, so no caller holds the header;
retries happen before the first byte of a reply; a :class:`Watchdog` bounds connecting, headers and
error bodies by the deadline. The streamed body is read by ``_connection.py``, URL sources are
fetched by ``_download.py``. Errors are raised outside ``except`` blocks, so no internals of requests,
urllib3 or http.client (whose frames and messages may hold the request) are chained to them, and every
reason is masked on the way in.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

import requests

from ..core._defaults import CONNECT_TIMEOUT, WIRE_FORMAT
from ..core._numbers import loads
from ..core._redact import SHORTEST_SECRET, mask_secrets, mask_url
from ..errors import APIConnectionError, APIError, CallCancelledError, RequestTimeoutError
from ._connection import ResponseConnection
from ._deadline import Watchdog, WatchedAdapter, seconds_left
from ._download import download
from ._error_body import error_for_response, excerpt, short_reason, wants_pcm16
from ._retry import delay_before_retry, is_retryable_status
from ._wire import Call, MaskedKey

__all__ = ["BearerAuth", "JsonAnswer", "ResponseConnection", "Session", "Transport", "download",
           "new_session"]

Session = requests.Session  # for annotations elsewhere: only client/ imports requests

_log = logging.getLogger("or_audio_widgets.client")

_ERROR_BODY_LIMIT = 64 * 1024
_JSON_BODY_LIMIT = 32 * 1024 * 1024  # the model list is about 1 MB today
# Requests that no retry can fix: the URL itself is wrong.
_FATAL = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
          requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)
# A 2xx with one of these is a page put in the way (captive portal, proxy), not the API's stream.
_NOT_A_STREAM = ("text/html", "application/xhtml", "text/xml")


class JsonAnswer(NamedTuple):
    """A 2xx answer read whole: status, parsed JSON body (None when it was not JSON) and headers."""

    status: int
    payload: Any
    headers: dict[str, str]


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
    """A Session whose connections obey call deadlines, with room for transcribe_many's worker threads."""
    session = requests.Session()
    adapter = WatchedAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Transport:
    """Sends :class:`Call` s over one Session, retrying what may succeed later, before any output."""

    def __init__(self, key: MaskedKey, session: requests.Session | None = None) -> None:
        self.key = key  # the masked holder: checks that echo what the caller passed mask it out
        self._own_session = session is None
        self.session = session if session is not None else new_session()
        self._auth = BearerAuth(key)
        self._active: set[Watchdog] = set()  # the calls waiting for an answer, for abort_all()
        self._lock = threading.Lock()

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never leave in a message: the key (unless it is a short placeholder, such as the
        offline emulator's, which would mask ordinary words)."""
        key = self.key.reveal()
        return (key,) if len(key) >= SHORTEST_SECRET else ()

    def open_stream(self, call: Call) -> ResponseConnection:
        """The streamed reply of ``call`` once the server answered 2xx (retried before its first byte)."""
        response = self.send(call)
        return ResponseConnection(response, call.read_timeout, lambda: self._resend(call), self.secrets)

    def get_json(self, call: Call) -> JsonAnswer:
        """The 2xx answer to ``call`` with its parsed JSON body (None when it is not JSON, or larger than
        32 MB); the body too is read by the deadline, and a body cut short is an error."""
        # tracked until the body is read, so that abort_all() (Ctrl-C in transcribe_many) cuts it too
        with Watchdog(call.deadline) as watchdog, self._tracked(watchdog):
            response = self.send(call, watchdog)
            answer = JsonAnswer(response.status_code, None, dict(response.headers))
            failure: APIError | None = None
            try:
                body = bytearray()
                for chunk in response.iter_content(chunk_size=65536):
                    body += chunk
                    if len(body) > _JSON_BODY_LIMIT:  # a server that never stops: not the API's answer
                        return answer
                if watchdog.fired:  # the shut socket ended the body early: what came may still parse
                    raise TimeoutError("deadline")
                return answer._replace(payload=loads(body))  # no number in it is infinite or NaN
            except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
                return answer
            except Exception as exc:  # the body could not be read to its end
                failure = self._failure(call, exc, watchdog)[0] if watchdog.fired else APIConnectionError(
                    f"the answer from {mask_url(call.url)} broke off before its end "
                    f"({short_reason(exc, self.secrets)}); nothing of it is kept: try the call again")
            finally:
                response.close()
        raise failure

    def abort_all(self) -> None:
        """Cut every call still waiting for its answer, from any thread; each fails as cancelled."""
        with self._lock:
            active = list(self._active)
        for watchdog in active:
            watchdog.fire(cancelled=True)

    def close(self) -> None:
        """Close the Session, unless the caller gave it."""
        if self._own_session:
            self.session.close()

    def send(self, call: Call, watchdog: Watchdog | None = None) -> requests.Response:
        """Send ``call`` until a 2xx response (headers read) or an error that retrying will not fix."""
        if watchdog is None:
            with Watchdog(call.deadline) as own:
                return self.send(call, own)
        with self._tracked(watchdog):
            return self._send(call, watchdog)

    @contextlib.contextmanager
    def _tracked(self, watchdog: Watchdog) -> Iterator[None]:
        """Count ``watchdog``'s call among those abort_all() cuts, while the block runs (nested: once)."""
        with self._lock:
            added = watchdog not in self._active
            self._active.add(watchdog)
        try:
            yield
        finally:
            if added:
                with self._lock:
                    self._active.discard(watchdog)

    def _send(self, call: Call, watchdog: Watchdog) -> requests.Response:
        while True:
            response, error, retryable = self._attempt(call, watchdog)
            retry_after = None
            if response is not None:
                if response.status_code < 300 and not _is_page(response, call):
                    return response
                error = self._error_of(response, call, watchdog)
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

    def _attempt(
        self, call: Call, watchdog: Watchdog
    ) -> tuple[requests.Response | None, APIError | None, bool]:
        """One HTTP exchange; on failure, the error to raise later (outside except: no context chain)."""
        if call.deadline is not None and time.monotonic() >= call.deadline:
            watchdog.fired = True  # spent before sending (on the model list, say): nothing goes out late
            return None, *self._failure(call, TimeoutError("deadline"), watchdog)
        try:
            response = self.session.request(
                call.method, call.url, data=call.payload(), headers=call.headers, auth=self._auth,
                timeout=self._timeouts(call), stream=True, allow_redirects=False,  # see _redirect_error
            )
        except Exception as exc:  # requests, urllib3, http.client, the socket: whatever it was
            return (None, *self._failure(call, exc, watchdog))
        _log.debug("%s %s -> %s", call.method, mask_url(call.url), response.status_code)
        return response, None, False

    def _failure(self, call: Call, exc: Exception, watchdog: Watchdog) -> tuple[APIError, bool]:
        """The error for a failed exchange, its reason and URL masked, and whether a retry may help."""
        reason, url = short_reason(exc, self.secrets), mask_url(call.url)
        if watchdog.cancelled:
            return CallCancelledError(f"the call to {url} was cancelled before its answer"), False
        if watchdog.fired:
            seconds = "" if call.seconds is None else f" of {call.seconds:g} s"
            return RequestTimeoutError(f"no complete answer from {url} within the deadline{seconds}"), False
        if isinstance(exc, requests.Timeout):
            return RequestTimeoutError(f"no answer from {url} in time ({reason})"), True
        retryable = isinstance(exc, requests.RequestException) and not isinstance(exc, _FATAL)
        return APIConnectionError(f"could not reach {url}: {reason}"), retryable

    @staticmethod
    def _timeouts(call: Call) -> tuple[float, float]:
        if call.deadline is None:
            return CONNECT_TIMEOUT, call.read_timeout
        left = seconds_left(call.deadline)
        return min(CONNECT_TIMEOUT, left), min(call.read_timeout, left)

    def _error_of(self, response: requests.Response, call: Call, watchdog: Watchdog) -> APIError:
        body = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=8192):
                body += chunk
                if len(body) >= _ERROR_BODY_LIMIT:
                    break
        except Exception:  # noqa: S110 - what arrived is enough to describe the error
            pass
        finally:
            response.close()
        _log.debug("error body of HTTP %s: %d bytes", response.status_code, len(body))
        if watchdog.fired:
            return self._failure(call, TimeoutError("deadline"), watchdog)[0]
        if response.status_code < 300:  # a 2xx page in place of the stream
            return _page_error(response, bytes(body), self.secrets)
        if response.status_code < 400:
            return _redirect_error(response, call, self.secrets)
        return error_for_response(response.status_code, response.reason, bytes(body),
                                  scrub=self.key.reveal(), request=call.body)

    def _wait_to_retry(self, call: Call, retry_after: str | None, error: APIError) -> bool:
        delay = delay_before_retry(call.retries, call.max_retries, retry_after, call.deadline)
        if delay is None:
            return False
        call.retries += 1
        _log.info("%s %s failed (%s); retry %d of %d in %.2f s", call.method, mask_url(call.url),
                 error.status or type(error).__name__, call.retries, call.max_retries, delay)
        time.sleep(delay)
        return True

    def _resend(self, call: Call) -> requests.Response | None:
        """Another try after the body failed before its first byte; None when no retry is left."""
        if not self._wait_to_retry(call, None, APIConnectionError("no bytes before the connection failed")):
            return None
        return self.send(call)


def _is_page(response: requests.Response, call: Call) -> bool:
    """Whether a 2xx answer to a streamed call is a web page (a captive portal's) instead of the stream."""
    kind = response.headers.get("Content-Type", "").lower()
    return call.body is not None and kind.startswith(_NOT_A_STREAM)


def _page_error(response: requests.Response, body: bytes, secrets: tuple[str, ...]) -> APIError:
    kind = response.headers.get("Content-Type", "").split(";")[0]
    shown = excerpt(mask_secrets(body.decode("utf-8", "replace"), secrets))
    return APIConnectionError(
        f"the server answered {response.status_code} with a web page ({kind}), not an event stream: a "
        f"captive portal, a proxy or a wrong base URL is in the way (page: {shown or 'empty'})",
        status=response.status_code,
    )


def _redirect_error(response: requests.Response, call: Call, secrets: tuple[str, ...]) -> APIError:
    """A redirect is not followed: the key and the body go only to ``base_url``, never to an address a
    server names (requests would send a POST there as a GET without its body, or the body without the
    key), and the answer says where to point the client instead."""
    where = mask_secrets(response.headers.get("Location", ""), secrets) or "nowhere (no Location header)"
    return APIConnectionError(
        f"{mask_url(call.url)} answered {response.status_code} with a redirect to {where}; redirects are "
        "not followed, so that the key goes only where you sent it: if that address is the API's, set "
        "base_url (or OPENROUTER_BASE_URL) to it", status=response.status_code)
