"""Rewriting a reply's frames, as they stream, to carry the in-stream faults of ``X-Emulator-Fault``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain

from ._faults import Fault
from ._stream import DONE, Context, Frame, chunk, sse

_ENDS = ("end", "done")


def _error_chunk(ctx: Context, fault: Fault) -> bytes:
    # OpenRouter's documented mid-stream error (its streaming docs' example, message included): a
    # top-level error next to a choice ending in "error".
    payload = ctx.head()
    message = fault.params.get("message", "Provider disconnected unexpectedly")
    payload["error"] = {"code": "server_error", "message": message}
    payload["choices"] = [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
    return sse(payload)


def _choice_error_chunk(ctx: Context, fault: Fault) -> bytes:
    payload = ctx.head()
    error = {"code": 502, "message": fault.params.get("message", "Upstream provider error")}
    choice = {"index": 0, "delta": {"content": ""}, "finish_reason": "error", "native_finish_reason": "error"}
    payload["choices"] = [{**choice, "error": error}]
    return sse(payload)


def _splice(
    frames: Iterable[Frame], after: int, output: str, insert: list[Frame], stop: bool
) -> Iterator[Frame]:
    """Insert frames after the ``after``-th output frame (or before the reply's end if it has fewer);
    with ``stop`` the reply ends there."""
    stream = iter(frames)
    rest: Iterator[Frame] = stream
    seen = 0
    for frame in stream:
        if frame.kind in _ENDS or (after <= 0 and frame.kind == output):
            rest = chain([frame], stream)  # the insert goes before this frame
            break
        yield frame
        if frame.kind == output:
            seen += 1
            if seen >= after:
                break
    else:
        return
    yield from insert
    if not stop:
        yield from rest


def _structural(frames: Iterator[Frame], fault: Fault, ctx: Context, output: str) -> Iterator[Frame]:
    after = int(fault.number("after", 1 if fault.name == "stall" else 2))
    if fault.name == "midstream-error":
        return _splice(frames, after, output, [Frame(_error_chunk(ctx, fault), "error"), Frame(DONE)], True)
    if fault.name == "choice-error":
        error = Frame(_choice_error_chunk(ctx, fault), "error")
        return _splice(frames, after, output, [error, Frame(DONE)], True)
    if fault.name == "drop":
        return _splice(frames, after, output, [Frame(b"", "drop")], True)
    if fault.name == "stall":
        stall = Frame(b"", "stall", params=dict(fault.params))
        return _splice(frames, after, output, [stall], False)
    if fault.name == "malformed-json":
        # An extra, truncated event: the rest of the reply is intact, so nothing else should be lost.
        broken = chunk(ctx, {"content": ""})[:-30] + b"\n\n"
        return _splice(frames, 1, output, [Frame(broken, "malformed")], False)
    return frames


def apply_stream_faults(
    frames: Iterable[Frame], faults: tuple[Fault, ...], ctx: Context, output: str, first: bool = True
) -> Iterator[Frame]:
    """The frames with each stream fault applied (status faults are answered before streaming).

    ``output`` is the kind of frame that carries the reply ("audio" or "text"); cuts count those.
    ``first`` says whether the stream includes its first frame (which the BOM fault marks).
    """
    stream = iter(frames)
    names = {fault.name for fault in faults}
    for fault in faults:
        stream = _structural(stream, fault, ctx, output)
    if "crlf" in names:
        stream = (Frame(f.data.replace(b"\n", b"\r\n"), f.kind, f.pace, f.params) for f in stream)
    if "bom" in names and first:
        stream = _with_bom(stream)
    return stream


def _with_bom(frames: Iterator[Frame]) -> Iterator[Frame]:
    for index, frame in enumerate(frames):
        yield (
            Frame(b"\xef\xbb\xbf" + frame.data, frame.kind, frame.pace, frame.params) if index == 0 else frame
        )
