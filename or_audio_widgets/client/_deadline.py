"""A call's deadline over everything it waits for: connecting, headers, an error body, a JSON body.

Socket timeouts bound each wait for one byte, so a server that trickles its headers a byte a second holds
a call for as long as it likes. Here a :class:`Watchdog` learns every socket its call uses (the Session's
connections report themselves, new or reused, through a thread-local) and shuts them down when the
deadline passes; the blocked read then fails at once, and the Transport reports the deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()  # the Watchdog of the call this thread is making, if any


def seconds_left(deadline: float) -> float:
    """The seconds until ``deadline`` (a ``time.monotonic()`` value), never quite 0: a wait of 0 would
    not wait at all, where the call should fail by its deadline."""
    return max(0.001, deadline - time.monotonic())


class Watchdog:
    """Shuts down the sockets of one call at ``deadline`` (a ``time.monotonic()`` value; None: never).

    Used as a context manager around the HTTP work of the calling thread; ``fired`` tells afterwards
    whether the deadline cut it short.
    """

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.fired = False
        self.cancelled = False  # fired by abort_all(), not by the deadline
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Watchdog:
        _current.watchdog = self
        if self.deadline is not None:
            self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self.fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.disarm()

    def disarm(self) -> None:
        """Stop watching (the call's sockets stay as they are)."""
        if getattr(_current, "watchdog", None) is self:
            _current.watchdog = None
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once when it has passed)."""
        with self._lock:
            if not self.fired:
                if sock not in self._sockets:
                    self._sockets.append(sock)
                return
        _shut(sock)

    def fire(self, cancelled: bool = False) -> None:
        """The deadline passed (or the call is cancelled): wake every read of this call by shutting its
        sockets down."""
        with self._lock:
            self.fired = True
            self.cancelled = self.cancelled or cancelled
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _report(sock: Any) -> None:
    watchdog = getattr(_current, "watchdog", None)
    if watchdog is not None and isinstance(sock, socket.socket):
        watchdog.watch(sock)


class _Watched:
    """Reports the connection's socket to the calling thread's Watchdog, when it connects and at every
    request on a kept-alive connection."""

    sock: Any

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        _report(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _report(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class WatchedAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter whose connections (direct or through a proxy) report their sockets to the calling
    thread's Watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are classes of their own: left as they are
            manager.pool_classes_by_scheme = _POOLS
        return manager
