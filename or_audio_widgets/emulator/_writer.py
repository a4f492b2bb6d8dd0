"""Writing a reply's frames: chunked transfer encoding, real-time pacing, stalls and drops."""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._faults import Fault
from ._inject import apply_stream_faults
from ._music import music_frames
from ._request import Plan
from ._stream import COMMENT, Context, Frame, speech_frames, text_frames

if TYPE_CHECKING:
    from ._handler import Handler

BLOCK = 1 << 20  # at full speed frames are joined into ~1 MB writes
_STALL_DEFAULT = 30.0


def write_stream(handler: Handler, plan: Plan, faults: tuple[Fault, ...], realtime: float) -> None:
    """Send the headers and a first keep-alive comment at once, then the reply as it is produced."""
    names = {fault.name for fault in faults}
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Cache-Control", "no-cache")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("X-Emulator", "offline emulator of OpenRouter's API")
    handler.end_headers()
    if "empty" in names:
        _end_body(handler)
        return
    ctx = Context(plan.model)
    if plan.music:
        frames = music_frames(ctx, plan.text, plan.seconds, plan.prompt_tokens)
    elif plan.voice is not None:
        padded = "padded-base64" in names
        frames = speech_frames(ctx, plan.text, plan.voice, plan.seconds, plan.prompt_tokens, padded)
    else:
        frames = text_frames(ctx, plan.text, plan.prompt_tokens)
    output = "audio" if plan.voice is not None or plan.music else "text"
    stream = apply_stream_faults(frames, faults, ctx, output)
    # The first comment leaves before the (possibly long) synthesis, as the live API's does.
    first = next(stream)
    _write_chunk(handler, [first.data])
    if _write_frames(handler, stream, realtime, "crlf" in names):
        _end_body(handler)


def _write_chunk(handler: Handler, parts: list[bytes]) -> None:
    # One HTTP/1.1 chunk, built with a single copy (never an empty one: that would end the body).
    size = sum(len(part) for part in parts)
    if size:
        handler.wfile.write(b"".join([b"%x\r\n" % size, *parts, b"\r\n"]))


def _end_body(handler: Handler) -> None:
    handler.wfile.write(b"0\r\n\r\n")


def _write_frames(handler: Handler, frames: Iterable[Frame], realtime: float, crlf: bool) -> bool:
    """Write everything; False when the stream ended early (dropped, stopped, client gone)."""
    stopping = handler.server.stopping
    pending: list[bytes] = []
    size = 0
    for frame in frames:
        if frame.kind in ("drop", "stall"):
            if pending:
                _write_chunk(handler, pending)
                pending, size = [], 0
            if frame.kind == "drop":
                _drop(handler)
                return False
            if not _stall(handler, frame, crlf):
                return False
            continue
        if frame.data:
            pending.append(frame.data)
            size += len(frame.data)
        if realtime > 0 and frame.pace > 0:
            _write_chunk(handler, pending)  # paced: each event leaves when it is due
            pending, size = [], 0
            if stopping.wait(frame.pace / realtime):
                return False
        elif size >= BLOCK:
            _write_chunk(handler, pending)
            pending, size = [], 0
            if stopping.is_set():
                return False
    if pending:
        _write_chunk(handler, pending)
    return True


def _drop(handler: Handler) -> None:
    # A FIN in the middle of a chunked body: the client sees the connection end before the stream did.
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)


def _stall(handler: Handler, frame: Frame, crlf: bool) -> bool:
    """Go quiet (or send only keep-alive comments) for ``seconds``; False if stopped or the client left."""
    fault = Fault("stall", frame.params)
    seconds = fault.number("seconds", _STALL_DEFAULT)
    interval = fault.number("keepalive", 0.0)
    comment = COMMENT.replace(b"\n", b"\r\n") if crlf else COMMENT
    deadline = time.monotonic() + seconds
    next_comment = time.monotonic() + interval if interval > 0 else float("inf")
    while (left := deadline - time.monotonic()) > 0:
        if handler.server.stopping.wait(min(left, 0.05, max(0.0, next_comment - time.monotonic()))):
            return False
        if _client_gone(handler.connection):
            handler.close_connection = True
            handler.server.note_client_left()
            return False
        if time.monotonic() >= next_comment:
            _write_chunk(handler, [comment])
            next_comment += interval
    return True


def _client_gone(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
