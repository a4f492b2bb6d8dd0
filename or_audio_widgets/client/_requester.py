"""The client's one request path: chat, speech, transcription and the model lists all go through
:meth:`Requester.request`.

An endpoint differs from another only in what it passes (method, path, body, what it accepts, whether
the answer is a stream or one JSON document), so the deadline, the retries, the typed errors, the bounds
on bodies and the masking of what comes in are the same for all of them, and a fix lands everywhere at
once. What comes in is masked here, where it enters: the answer's headers and its JSON (a transcript's
text, its usage, a model list), as error bodies are by the transport and stream events by ReplyStream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, overload

from ..core._redact import mask_secrets, mask_url
from ..errors import APIError
from ._connection import ResponseConnection
from ._echoes import unechoed
from ._transport import Session, Transport
from ._wire import Call, MaskedKey

#: A call's (``time.monotonic()`` deadline, seconds as given): what a model-list read and the request
#: it is made for share. (None, None): no deadline.
Within = tuple[float | None, float | None]

# What each kind of answer is asked for with (the Accept header).
EVENT_STREAM = "text/event-stream"
AUDIO = "audio/*, application/json"
JSON = "application/json"


@dataclass
class Settings:
    """What every request of one client shares; the client's public attributes read and write these."""

    base_url: str
    headers: dict[str, str]
    timeout: float
    deadline: float | None
    max_retries: int
    check_models: bool = True


_T = TypeVar("_T")


class Setting(Generic[_T]):
    """A client attribute that reads and writes its :class:`Settings` (``obj._settings``), so that a
    change made after the client was built applies to its next request."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Setting[_T]: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> _T: ...

    def __get__(self, obj: Any, objtype: type | None = None) -> Setting[_T] | _T:
        if obj is None:  # on the class (help(), inspect): the descriptor itself
            return self
        value: _T = getattr(obj._settings, self._name)
        return value

    def __set__(self, obj: Any, value: _T) -> None:
        setattr(obj._settings, self._name, value)


@dataclass(frozen=True)
class Answer:
    """A 2xx answer: its status and headers (masked), and either its body as a stream (``connection``,
    for chat and speech) or its JSON read whole (``payload``, masked; None when the body was no JSON)."""

    status: int
    url: str  # masked, for messages
    headers: dict[str, str] = field(default_factory=dict)
    payload: Any = None
    connection: ResponseConnection | None = None

    def stream(self) -> ResponseConnection:
        """The body as a stream (only for a request made with ``whole=False``)."""
        assert self.connection is not None, "this answer was read whole"
        return self.connection


class Requester:
    """Sends every request of one client: one Transport (Session, retries, the deadline's watchdog)."""

    def __init__(self, key: MaskedKey, settings: Settings, session: Session | None = None) -> None:
        self.settings = settings
        self.transport = Transport(key, session)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never come back to the user: the key (see :attr:`Transport.secrets`)."""
        return self.transport.secrets

    def within(self, deadline: float | None = None) -> Within:
        """The deadline of a call starting now: ``deadline`` seconds, else the client's (None: none)."""
        seconds = self.settings.deadline if deadline is None else deadline
        return (None if seconds is None else time.monotonic() + seconds), seconds

    def request(
        self, method: str, path: str, *, accept: str, body: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None, within: Within | None = None, whole: bool = False,
        retries: int | None = None, read_timeout: float | None = None,
        explain: Callable[[APIError], APIError] | None = None,
    ) -> Answer:
        """Send one request and return its 2xx answer; raise an APIError subclass otherwise.

        ``within`` is the call's deadline (default: the client's, from now), which bounds connecting,
        the headers, an error body, a JSON body and, through ReplyStream, a streamed one. ``whole``
        reads a JSON answer whole (bounded, by the deadline) instead of handing back its stream.
        ``retries`` and ``read_timeout`` override the client's for this request (a quick list read);
        ``explain`` may add to a refusal what the model list knows.
        """
        call = self._call(method, path, body, accept, headers, within)
        if retries is not None:
            call.max_retries = retries
        if read_timeout is not None:
            call.read_timeout = read_timeout
        try:
            answer = self._exchange(call, whole)
        except APIError as exc:
            if explain is None:
                raise
            raise explain(exc) from None
        return answer

    def _exchange(self, call: Call, whole: bool) -> Answer:
        # No local here holds the key: a traceback's locals would show it (the masking comes after).
        if whole:
            status, payload, headers = self.transport.get_json(call)
            return self._masked(Answer(status, mask_url(call.url), headers, payload))
        connection = self.transport.open_stream(call)
        return self._masked(Answer(connection.status, mask_url(call.url), connection.headers,
                                   connection=connection))

    def _masked(self, answer: Answer) -> Answer:
        """``answer`` with every echo of the key (and any credential) masked out of its headers, and every
        echo of the key out of its JSON."""
        secrets = self.secrets
        headers = {name: mask_secrets(str(value), secrets) for name, value in answer.headers.items()}
        return replace(answer, headers=headers, payload=unechoed(answer.payload, secrets))

    def _call(self, method: str, path: str, body: dict[str, Any] | None, accept: str,
              extra: Mapping[str, str] | None, within: Within | None) -> Call:
        settings = self.settings
        headers = {**settings.headers, "Accept": accept}
        if body is not None:
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        deadline, seconds = self.within() if within is None else within
        return Call(method, f"{settings.base_url}{path}", body, headers, deadline, settings.timeout,
                    settings.max_retries, seconds=seconds)

    def close(self) -> None:
        """Close the Session, unless the caller gave it."""
        self.transport.close()

