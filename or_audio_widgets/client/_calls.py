"""The replies of one client's calls: the latest (``last_reply``) and those still streaming (for a Ctrl-C
in ``transcribe_many``, which cancels them all). Shared by the request objects of each surface."""

from __future__ import annotations

import threading
import weakref

from ._replystream import ReplyStream


class Calls:
    """The ReplyStreams a client opened: the most recent one, and every one not yet collected."""

    def __init__(self) -> None:
        self.last: ReplyStream | None = None
        self._streams: weakref.WeakSet[ReplyStream] = weakref.WeakSet()
        self._lock = threading.Lock()

    def begin(self) -> None:
        """A call starts: from here on, ``last`` is its reply or None (never an earlier call's)."""
        self.last = None

    def opened(self, stream: ReplyStream) -> ReplyStream:
        """Record ``stream`` as the latest call's; returns it."""
        with self._lock:
            self._streams.add(stream)
        self.last = stream
        return stream

    def cancel_all(self) -> None:
        """Cancel every stream still open, from any thread: each keeps what arrived, marked cancelled."""
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream.cancel()
