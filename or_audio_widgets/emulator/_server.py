"""The HTTP server: a standard-library ThreadingHTTPServer on loopback, and the handle that stops it."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from collections import deque
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ._faults import FaultCounter
from ._handler import Handler
from ._recording import MAX_BODY_BYTES, RecordedRequest

__all__ = ["MAX_RECORDED_BYTES", "EmulatorHandle", "EmulatorServer", "RecordedRequest", "start_emulator"]

# What .requests keeps at most, in request body bytes (the newest request is always kept).
MAX_RECORDED_BYTES = 64 * 1024 * 1024


class EmulatorServer(ThreadingHTTPServer):
    """Tracks each connection's thread and socket, so that stopping leaves none behind."""

    daemon_threads = True
    block_on_close = False  # stop() joins the threads itself, after closing their sockets

    def __init__(
        self,
        address: tuple[str, int],
        realtime: float,
        verbose: bool = False,
        max_requests: int = 256,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_recorded_bytes: int = MAX_RECORDED_BYTES,
        keep_uploads: bool = True,
    ) -> None:
        self.realtime = realtime
        self.keep_uploads = keep_uploads
        self.max_body_bytes = max_body_bytes
        self.verbose = verbose
        self.stopping = threading.Event()
        self.faults = FaultCounter()
        # bounded in count and in bytes: a long offline session must not keep every base64 upload alive
        self.recorded: deque[RecordedRequest] = deque()
        self._sizes: deque[int] = deque()
        self._recorded_bytes = 0
        self.max_requests = max_requests
        self.max_recorded_bytes = max_recorded_bytes
        self.lock = threading.Lock()
        self.clients_left = 0  # replies whose client closed the connection before they ended
        self._connections: dict[threading.Thread, socket.socket] = {}
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve each connection in a daemon thread that :meth:`close_connections` can end and join."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="or-audio-emulator-conn",
            daemon=True,
        )
        with self.lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or leaves is normal here (cancellation, drops); anything else is printed."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def note_client_left(self) -> None:
        """Count a client that closed its connection while its reply was being sent (e.g. a Stop)."""
        if self.stopping.is_set():  # the server closed it, not the client
            return
        with self.lock:
            self.clients_left += 1

    def record(self, entry: RecordedRequest, size: int = 0) -> None:
        """Keep a request (of ``size`` body bytes) for ``.requests``; the oldest go beyond the bounds."""
        with self.lock:
            self.recorded.append(entry)
            self._sizes.append(size)
            self._recorded_bytes += size
            while len(self.recorded) > 1 and (len(self.recorded) > self.max_requests
                                              or self._recorded_bytes > self.max_recorded_bytes):
                self.recorded.popleft()
                self._recorded_bytes -= self._sizes.popleft()

    def forget_requests(self) -> None:
        """Drop every recorded request."""
        with self.lock:
            self.recorded.clear()
            self._sizes.clear()
            self._recorded_bytes = 0

    def close_connections(self, timeout: float) -> None:
        """Wake every connection thread (paced, stalled or idle on keep-alive) and join it."""
        self.stopping.set()
        with self.lock:
            live = list(self._connections.items())
        for _thread, sock in live:
            with contextlib.suppress(OSError):  # already closed by its own thread
                sock.shutdown(socket.SHUT_RDWR)
        for thread, _sock in live:
            thread.join(timeout)


class EmulatorHandle:
    """A running emulator: ``base_url`` for clients, ``requests`` for tests, ``stop()`` to end it."""

    def __init__(self, server: EmulatorServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.host: str = str(host)
        self.port: int = int(port)
        self.base_url = f"http://{self.host}:{self.port}/api/v1"

    @property
    def realtime(self) -> float:
        """The default real-time factor (0 = full speed); a request may override it by header."""
        return self._server.realtime

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy; only the latest ``max_requests`` are kept,
        and only as many as fit in ``max_recorded_bytes`` of request bodies)."""
        with self._server.lock:
            return list(self._server.recorded)

    def clear_requests(self) -> None:
        """Forget the recorded requests and the ``times=N`` fault counts."""
        self._server.forget_requests()
        self._server.faults.reset()

    @property
    def open_connections(self) -> int:
        """Client connections this server holds open now (a client that left is gone at the server's
        next write, or its next look at an idle socket)."""
        with self._server.lock:
            return len(self._server._connections)

    @property
    def clients_left(self) -> int:
        """Replies whose client closed the connection before they ended (a cancelled or stopped stream),
        counted when the server next wrote to it."""
        with self._server.lock:
            return self._server.clients_left

    @property
    def running(self) -> bool:
        """Whether the server still accepts connections."""
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` passes); True when it has stopped."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close the listening socket and every connection, and join all threads."""
        if self._server.stopping.is_set() and not self._thread.is_alive():
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections(timeout)
        self._thread.join(timeout)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<EmulatorHandle {self.base_url} {state}>"


def start_emulator(
    port: int = 0,
    *,
    realtime: float = 0.0,
    host: str = "127.0.0.1",
    verbose: bool = False,
    max_requests: int = 256,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_recorded_bytes: int = MAX_RECORDED_BYTES,
    keep_uploads: bool = True,
) -> EmulatorHandle:
    """Start the offline emulator of OpenRouter's API in a background thread.

    ``port=0`` picks a free port. ``realtime`` paces audio: 0 sends as fast as possible, 1.0 at the
    speed of speech, 2.0 twice as fast. Only loopback addresses are allowed for ``host``.
    ``verbose`` logs request lines to stderr; ``max_requests`` and ``max_recorded_bytes`` (request body
    bytes, default 64 MB) bound what ``.requests`` keeps; ``keep_uploads=False`` records each
    ``input_audio``'s base64 as a short note instead (the kernel's offline emulator needs no uploads back).
    ``max_body_bytes`` (default 32 MB) is the largest request body taken; larger ones get 413, as the
    live API refuses huge uploads (raise it to send, say, an hour of WAV in a benchmark).
    """
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")
    if not realtime >= 0 or realtime == float("inf"):
        raise ValueError(f"realtime must be a finite number >= 0, not {realtime!r}")
    if max_body_bytes < 0:
        raise ValueError(f"max_body_bytes must be >= 0, not {max_body_bytes!r}")
    server = EmulatorServer((host, port), realtime, verbose, max_requests, max_body_bytes, max_recorded_bytes,
                            keep_uploads)
    # A short poll interval makes shutdown() return quickly.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="or-audio-emulator", daemon=True
    )
    thread.start()
    return EmulatorHandle(server, thread)
