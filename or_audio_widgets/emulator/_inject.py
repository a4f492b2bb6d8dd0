"""Rewriting a reply's frames to carry the in-stream faults of ``X-Emulator-Fault``."""

from __future__ import annotations

from ._faults import Fault
from ._stream import DONE, Context, Frame, chunk, sse

_OUTPUT_KINDS = ("audio", "text")


def _cut_point(frames: list[Frame], after: int) -> int:
    """Index just past the ``after``-th output frame (audio, else text), or before the last chunk."""
    kind = "audio" if any(f.kind == "audio" for f in frames) else "text"
    seen = 0
    for index, frame in enumerate(frames):
        if frame.kind == kind:
            seen += 1
            if seen >= after:
                return index + 1
    return max(1, len(frames) - 3)


def _error_chunk(ctx: Context, fault: Fault) -> bytes:
    # OpenRouter's documented mid-stream error: a top-level error next to a choice ending in "error".
    payload = ctx.head()
    payload["error"] = {
        "code": "server_error",
        "message": fault.params.get("message", "Provider disconnected"),
    }
    payload["choices"] = [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
    return sse(payload)


def _choice_error_chunk(ctx: Context, fault: Fault) -> bytes:
    payload = ctx.head()
    error = {"code": 502, "message": fault.params.get("message", "Upstream provider error")}
    payload["choices"] = [
        {
            "index": 0,
            "delta": {"content": ""},
            "finish_reason": "error",
            "native_finish_reason": "error",
            "error": error,
        }
    ]
    return sse(payload)


def apply_stream_faults(frames: list[Frame], faults: tuple[Fault, ...], ctx: Context) -> list[Frame]:
    """The frames with each stream fault applied (status faults are handled before streaming)."""
    out = list(frames)
    for fault in faults:
        after = int(fault.number("after", 2))
        if fault.name == "midstream-error":
            cut = _cut_point(out, after)
            out = [*out[:cut], Frame(_error_chunk(ctx, fault), "error"), Frame(DONE, "done")]
        elif fault.name == "choice-error":
            cut = _cut_point(out, after)
            out = [*out[:cut], Frame(_choice_error_chunk(ctx, fault), "error"), Frame(DONE, "done")]
        elif fault.name == "drop":
            out = [*out[: _cut_point(out, after)], Frame(b"", "drop")]
        elif fault.name == "stall":
            cut = _cut_point(out, int(fault.number("after", 1)))
            out.insert(cut, Frame(b"", "stall", params=dict(fault.params)))
        elif fault.name == "malformed-json":
            # An extra, truncated event: the rest of the reply is intact, so nothing else should be lost.
            broken = chunk(ctx, {"content": ""})[: -len('"}]}\n\n') - 20] + b"\n\n"
            out.insert(_cut_point(out, 1), Frame(broken, "malformed"))
        elif fault.name == "crlf":
            out = [Frame(f.data.replace(b"\n", b"\r\n"), f.kind, f.pace, f.params) for f in out]
        elif fault.name == "bom":
            first = out[0]
            out[0] = Frame(b"\xef\xbb\xbf" + first.data, first.kind, first.pace, first.params)
    return out
