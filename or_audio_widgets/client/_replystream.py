"""ReplyStream: the events of one reply as they arrive, with cancellation and an overall deadline.

Transport-free: it reads bytes from a :class:`Connection` (the client supplies one over requests), feeds
them through the core's ``iter_reply_events`` and a ``ReplyBuilder``, so ``.reply`` is always available.
What the server wrote in error events, and any text that echoes a secret, is masked on its way in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from ..core._bodies import iter_reply_events
from ..core._events import End, ErrorEvent, Event
from ..core._redact import mask_secrets
from ._echoes import EchoGuard

if TYPE_CHECKING:
    from ..core._reply import AudioReply, ReplyBuilder

CANCELLED = "cancelled"
TIMEOUT = "timeout"


class StreamBroken(Exception):
    """Raised by :meth:`Connection.chunks` when the body cannot be read to its end."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Connection(Protocol):
    """The byte source of a ReplyStream."""

    def chunks(self) -> Iterator[bytes]:
        """The body's bytes as they arrive; raises StreamBroken when reading fails."""
        ...

    def abort(self) -> None:
        """Close the connection at once, from any thread, so that a blocked read returns."""
        ...

    def close(self) -> None:
        """Release the connection (idempotent)."""
        ...


class ReplyStream:
    """The events of one reply, iterated once; ``.reply`` is the AudioReply so far, final at the end.

    ``cancel()`` may be called from any thread: it closes the connection at once and the reply is kept,
    marked incomplete ("cancelled"). Use it as a context manager so the connection is always released.
    """

    def __init__(
        self, connection: Connection, builder: ReplyBuilder, *, deadline: float | None = None,
        decode: Callable[[Iterable[bytes]], Iterator[Event]] = iter_reply_events,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self._connection = connection
        self._decode = decode  # SSE for chat; the speech endpoint's raw audio has a decoder of its own
        self._secrets = secrets
        self._builder = builder
        self._deadline = deadline
        self._lock = threading.Lock()
        self._stop: tuple[str, str] | None = None  # (kind, message) once cancelled or timed out
        self._state = "new"  # new -> running -> ended
        self._events: Generator[Event, None, None] | None = None
        self._reached_end = False
        self._final: AudioReply | None = None
        self._timer: threading.Timer | None = None

    def __repr__(self) -> str:
        return f"<ReplyStream {self._state}{' ' + self._stop[0] if self._stop else ''}>"

    def __iter__(self) -> Iterator[Event]:
        with self._lock:
            if self._state != "new":
                raise RuntimeError("a ReplyStream can be iterated only once")
            self._state = "running"
        self._events = self._run()
        return self._events

    @property
    def reply(self) -> AudioReply:
        """The reply so far while the stream runs; the final reply (complete or not) once it ended."""
        if self._state != "ended":
            return self._builder.snapshot()
        if self._final is None:
            self._final = self._builder.build()
        return self._final

    @property
    def done(self) -> bool:
        """True once the stream has ended, whatever the way."""
        return self._state == "ended"

    def collect(self, on_event: Callable[[Event], object] | None = None) -> AudioReply:
        """Read the stream to its end, calling ``on_event`` for each event, and return the reply.

        A KeyboardInterrupt (from ``on_event`` or while waiting for bytes) closes the connection, marks
        the reply incomplete ("cancelled") and propagates; so does any exception ``on_event`` raises
        (``.reply`` then holds what arrived).
        """
        try:
            for event in self:
                if on_event is not None:
                    on_event(event)
        except KeyboardInterrupt:
            self._interrupt("interrupted (KeyboardInterrupt)")
            raise
        except Exception:
            self.close()  # the loop is abandoned: release the connection now, not when collected
            raise
        return self.reply

    def cancel(self) -> None:
        """Stop the stream now, from any thread: the connection closes, the reply is kept, incomplete."""
        self._abort(CANCELLED, "cancelled")

    def close(self) -> None:
        """Release the connection; a stream not read to its end counts as cancelled."""
        if self._state != "ended":
            self._abort(CANCELLED, "cancelled: the stream was closed before it ended")
        if self._events is not None:
            self._events.close()
        self._end()

    def __enter__(self) -> ReplyStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is KeyboardInterrupt:
            self._interrupt("interrupted (KeyboardInterrupt)")
        self.close()

    # --- internals ---------------------------------------------------------------------------------------

    def _run(self) -> Generator[Event, None, None]:
        self._arm_deadline()
        try:
            yield from self._pump()
        except KeyboardInterrupt:
            self._interrupt("interrupted (KeyboardInterrupt)")
            raise
        except Exception as exc:
            with self._lock:
                if self._stop is None:
                    reason = mask_secrets(f"{type(exc).__name__}: {exc}", self._secrets)
                    self._stop = ("error", f"the stream failed: {reason}")
            raise
        finally:
            self._end()

    def _pump(self) -> Iterator[Event]:
        guard = EchoGuard(self._secrets)
        try:
            for event in self._decode(self._chunks()):
                for shown in guard.screen(event):
                    self._builder.feed(shown)
                    yield shown
        except StreamBroken as broken:
            for event in (*guard.flush(), ErrorEvent(broken.message, kind=broken.kind), End(None, False)):
                self._builder.feed(event)
                yield event
            self._builder.fail(broken.message, kind=broken.kind)
        finally:
            for held in guard.flush():  # a failure of another kind: the reply still gets every word
                self._builder.feed(held)
        self._reached_end = True

    def _chunks(self) -> Iterator[bytes]:
        try:
            for chunk in self._connection.chunks():
                if self._stop is not None:
                    break
                yield chunk
        except StreamBroken:
            if self._stop is None:
                raise
        # A stop from cancel() or the deadline wins over whatever the closed socket made the read report.
        if self._stop is not None:
            raise StreamBroken(*self._stop)

    def _abort(self, kind: str, message: str) -> None:
        with self._lock:
            if self._stop is not None or self._state == "ended":
                return
            self._stop = (kind, message)
            idle = self._state == "new"
        self._connection.abort()
        if idle:  # nobody is reading: record it here, no other thread touches the builder
            self._builder.fail(message, kind=kind)

    def _interrupt(self, message: str) -> None:
        self._abort(CANCELLED, message)
        self._end()

    def _end(self) -> None:
        """Mark the stream ended (once); a stream cut short records why in the reply."""
        with self._lock:
            if self._state == "ended":
                return
            cut_short = self._state == "running" and not self._reached_end
            self._state = "ended"
            if cut_short and self._stop is None:  # the iterator was closed (GeneratorExit) mid-way
                self._stop = (CANCELLED, "cancelled: the stream was closed before it ended")
            stop = self._stop
        if self._timer is not None:
            self._timer.cancel()
        if cut_short and stop is not None:
            self._connection.abort()
            self._builder.fail(stop[1], kind=stop[0])
        self._connection.close()

    def _arm_deadline(self) -> None:
        if self._deadline is None:
            return
        remaining = self._deadline - time.monotonic()
        message = "the overall deadline passed before the reply ended"
        if remaining <= 0:
            self._abort(TIMEOUT, message)
            return
        self._timer = threading.Timer(remaining, self._abort, args=(TIMEOUT, message))
        self._timer.daemon = True
        self._timer.start()
