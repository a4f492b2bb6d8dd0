"""Hearing a live player's Stop while a cell streams on the kernel's main thread.

A cell keeps the kernel's main thread busy, and the kernel reads what the page sends (the messages of
widgets among them) only between cells: a Stop pressed during a ``%%oraudio`` cell would be heard once
the reply had ended. So while such a cell streams, a listener thread reads the main shell's queue
itself. ipykernel 7 hands the main shell its messages on an in-process socket that nothing else reads
while a cell runs; the listener handles at once the messages of the players it listens for (Stop, and a
late view asking for what it missed) and keeps every other message (a cell queued to run next, another
widget's message, a completion request) in arrival order. When the cell ends they go back to the
kernel in that order, ahead of anything that arrives later, so nothing the person queued runs early,
twice or out of order, and an error in the cell still cancels the cells queued after it.

The kept messages go back through the very callback the socket's stream would have called for them, so
they take the same steps to the kernel's queue as a message the stream read before the cell began: handed
back any other way (one task each, straight into the kernel's handler) they overtook such a message, whose
way in is one step longer on ipykernel 7.1 and later, and Run All ran a cell after the ones queued behind it.

Where the kernel is not built that way (ipykernel 6, a release of ipykernel this module was not checked
against, or a cell running in a subshell) nothing listens and the Stop button is shown disabled with the
reason ("Stop needs ipykernel 7; use Kernel > Interrupt"); Kernel > Interrupt works as it always does.
Outside a kernel (a plain IPython shell, a script) nothing changes. A reply played from a background
thread needs no listener: the main thread is free to hear Stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

POLL_SECONDS = 0.05  # how long the listener waits for a message before checking whether to end
# The ipykernel releases whose way of feeding the main shell this module was checked against (first and last
# minor of 7, both ends included; CI runs the kernel tests on both). Any other steps aside: no Stop button.
KNOWN_IPYKERNEL = ((7, 0), (7, 4))
_HANDED_BACK: set[asyncio.Future[Any]] = set()


class StopListener:
    """Reads the main shell's messages during a cell: those of ``comm_ids`` are handled now, the rest
    are handed back to the kernel, in order, by :meth:`close`."""

    def __init__(self, kernel: Any, pair: Any, comm_ids: set[str]) -> None:
        self._kernel = kernel
        self._pair = pair
        self._ids = comm_ids
        self._held: list[list[Any]] = []
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="or-audio-stop-listener", daemon=True)
        self.handled = 0  # messages of the players handled during the cell

    @classmethod
    def start(cls, kernel: Any, comm_ids: set[str]) -> StopListener | None:
        """A running listener, or None when this kernel cannot be listened to this way."""
        pair = _main_shell_pair(kernel)
        if pair is None:
            return None
        listener = cls(kernel, pair, comm_ids)
        listener._thread.start()
        return listener

    def close(self) -> None:
        """Stop listening and give the kept messages back to the kernel (on the main thread).

        A Ctrl-C meanwhile is raised only once the messages are back: a queued cell is never lost.
        """
        import zmq

        self._quit.set()
        interrupted = False
        while self._thread.is_alive():  # the socket is the listener's until its thread has ended
            try:
                self._thread.join()
            except KeyboardInterrupt:
                interrupted = True
        with contextlib.suppress(zmq.ZMQError):  # a kernel shutting down has closed the socket
            self._drain()  # whatever came after the listener's last look
        self._hand_back()
        if interrupted:
            raise KeyboardInterrupt

    def _hand_back(self) -> None:
        held, self._held = self._held, []
        if not held:
            return
        deliver = self._pair.to_stream._recv_callback  # what the stream calls for each message it reads
        for frames in held:
            # As the stream runs it (pyzmq's ZMQStream._run_callback): the same steps into the kernel's
            # queue, made now, so behind what the stream read before the cell and ahead of what comes later.
            result = deliver(frames)
            if inspect.isawaitable(result):
                future = asyncio.ensure_future(result)
                _HANDED_BACK.add(future)  # a task only weakly held by the loop could be collected mid-way
                future.add_done_callback(_HANDED_BACK.discard)
        io_loop = getattr(self._kernel, "io_loop", None)
        if io_loop is not None:  # should a wake-up have been missed, the kernel reads what waits now
            io_loop.add_callback(self._pair.to_stream.flush)

    # --- the listener thread -----------------------------------------------------------------------------

    def _listen(self) -> None:
        import zmq

        socket = self._pair.to_socket
        with contextlib.suppress(zmq.ZMQError):  # the kernel shutting down: nothing left to hear
            while not self._quit.is_set():
                if socket.poll(int(POLL_SECONDS * 1000)):
                    self._drain()

    def _drain(self) -> None:
        import zmq

        socket = self._pair.to_socket
        while True:
            try:
                frames = socket.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            if not self._handle(frames):
                self._held.append(frames)

    def _handle(self, frames: list[Any]) -> bool:
        """Handle ``frames`` when they are a message for one of the players; False: keep them."""
        session = self._kernel.session
        try:
            idents, rest = session.feed_identities(frames, copy=False)
            # A look at the header without taking the content, so the kernel's own reading later does
            # not take the message for a replay (its signature is recorded only on a full read).
            peek = session.deserialize(rest, content=False, copy=False)
            if peek["header"]["msg_type"] != "comm_msg":
                return False
            if session.unpack(peek["content"]).get("comm_id") not in self._ids:
                return False
            message = session.deserialize(rest, content=True, copy=False)
        except Exception:  # not ours to judge (the kernel's dummy messages among them): the kernel reads it
            return False
        self._kernel.comm_manager.comm_msg(None, idents, message)
        self.handled += 1
        return True


def known_ipykernel(version: str | None = None) -> bool:
    """Whether ``version`` (default: the installed ipykernel's) is one this module was checked against."""
    if version is None:
        try:
            from ipykernel import __version__ as installed
        except ImportError:
            return False
        version = str(installed)
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    first, last = KNOWN_IPYKERNEL
    return first <= (major, minor) <= last


def _main_shell_pair(kernel: Any) -> Any:
    """The in-process socket pair feeding ipykernel 7's main shell, when the cell runs there."""
    if threading.current_thread() is not threading.main_thread() or not known_ipykernel():
        return None
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is None or not all(hasattr(kernel, a) for a in ("shell_main", "comm_manager", "session")):
        return None
    try:
        pair = thread.manager.get_shell_channel_to_subshell_pair(None)
    except Exception:  # another ipykernel layout: no listener, no Stop button
        return None
    stream = getattr(pair, "to_stream", None)
    return pair if callable(getattr(stream, "_recv_callback", None)) else None


@contextlib.contextmanager
def hearing_stop(player: Any, cancel: Callable[[], object], shell: Any = None) -> Iterator[bool]:
    """While inside, ``player``'s Stop calls ``cancel()``, where it can be heard; yields whether it can.

    From a background thread it always can; on the main thread of a kernel through a
    :class:`StopListener`; elsewhere not, and the Stop button stays hidden.
    """
    if player is None:
        yield False
        return
    listener = None
    if threading.current_thread() is threading.main_thread():
        kernel = getattr(shell, "kernel", None) if shell is not None else _current_kernel()
        listener = StopListener.start(kernel, {player.model_id}) if kernel is not None else None
        if listener is None:
            if kernel is not None:  # a page may show this player: it says why Stop is not there
                player.stop_unavailable(stop_unavailable_reason())
            yield False
            return
    player.on_stop(lambda _player: cancel())
    try:
        yield True
    finally:
        if listener is not None:
            listener.close()


def stop_unavailable_reason(version: str | None = None) -> str:
    """What a live player says beside its disabled Stop where no listener can hear it (``version``:
    the installed ipykernel's by default)."""
    if version is None:
        try:
            from ipykernel import __version__ as installed
        except ImportError:
            installed = ""
        version = str(installed)
    major = version.split(".")[0]
    if major.isdigit() and int(major) < 7:
        return "Stop needs ipykernel 7; use Kernel > Interrupt"
    if not known_ipykernel(version):
        return f"Stop is not offered on ipykernel {version} (not checked yet); use Kernel > Interrupt"
    return "Stop cannot be heard from this cell (it runs in a subshell); use Kernel > Interrupt"


def _current_kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return getattr(get_ipython(), "kernel", None)
