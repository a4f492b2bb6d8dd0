"""ReplyStream over a fake connection: endings, breaks, cancellation, deadline, reply snapshots."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest

from or_audio_widgets import AudioDelta, End, ErrorEvent, ReplyBuilder, ReplyStream
from or_audio_widgets.client._replystream import StreamBroken

PCM = bytes(range(256)) * 30  # 7,680 bytes = 0.16 s at 24 kHz


def sse(payload: object) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def body(done: bool = True) -> list[bytes]:
    first = {"id": "gen-1", "model": "m", "choices": [{"delta": {"role": "assistant"}}]}
    chunks = [b": OPENROUTER PROCESSING\n\n", sse(first)]
    chunks.append(sse({"choices": [{"delta": {"audio": {"transcript": "Hi."}}}]}))
    for start in range(0, len(PCM), 2400):
        data = base64.b64encode(PCM[start : start + 2400]).decode()
        chunks.append(sse({"choices": [{"delta": {"audio": {"data": data}}}]}))
    if done:
        chunks.append(b"data: [DONE]\n\n")
    return chunks


class FakeConnection:
    def __init__(self, chunks: list[bytes], broken: tuple[str, str] | None = None) -> None:
        self._chunks = chunks
        self._broken = broken
        self.aborted = 0
        self.closed = 0

    def chunks(self) -> Iterator[bytes]:
        yield from self._chunks
        if self._broken:
            raise StreamBroken(*self._broken)

    def abort(self) -> None:
        self.aborted += 1

    def close(self) -> None:
        self.closed += 1


def stream_of(connection: FakeConnection, deadline: float | None = None) -> ReplyStream:
    return ReplyStream(connection, ReplyBuilder(format="wav"), deadline=deadline)


def test_a_whole_stream() -> None:
    connection = FakeConnection(body())
    reply_stream = stream_of(connection)
    events = list(reply_stream)
    assert events[-1] == End(None, True)
    reply = reply_stream.reply
    assert reply.complete and reply.transcript == "Hi." and bytes(reply.pcm) == PCM
    assert reply_stream.done and connection.closed == 1 and connection.aborted == 0
    assert reply_stream.reply is reply  # final: built once


def test_a_broken_connection_keeps_what_arrived() -> None:
    connection = FakeConnection(body(done=False)[:5], broken=("connection", "dropped"))
    reply_stream = stream_of(connection)
    events = list(reply_stream)
    assert events[-2:] == [ErrorEvent("dropped", kind="connection"), End(None, False)]
    reply = reply_stream.reply
    assert not reply.complete and reply.error == "dropped" and reply.error_kind == "connection"
    assert bytes(reply.pcm) == PCM[:4800]


def test_the_reply_grows_while_the_stream_runs() -> None:
    reply_stream = stream_of(FakeConnection(body()))
    sizes = [len(reply_stream.reply.pcm) for event in reply_stream if isinstance(event, AudioDelta)]
    assert sizes == sorted(sizes) and sizes[0] > 0


def test_cancel_before_reading() -> None:
    connection = FakeConnection(body())
    reply_stream = stream_of(connection)
    reply_stream.cancel()
    assert list(reply_stream) == [ErrorEvent("cancelled", kind="cancelled"), End(None, False)]
    assert connection.aborted == 1
    assert reply_stream.reply.error_kind == "cancelled"


def test_close_without_reading() -> None:
    connection = FakeConnection(body())
    reply_stream = stream_of(connection)
    reply_stream.close()
    assert connection.closed == 1 and reply_stream.done
    assert not reply_stream.reply.complete and reply_stream.reply.error_kind == "cancelled"


def test_a_deadline_already_past() -> None:
    reply_stream = stream_of(FakeConnection(body()), deadline=time.monotonic() - 1)
    events = list(reply_stream)
    assert events[-2].kind == "timeout" and events[-1] == End(None, False)
    assert reply_stream.reply.error_kind == "timeout"


def test_iterated_once_and_a_readable_repr() -> None:
    reply_stream = stream_of(FakeConnection(body()))
    assert "new" in repr(reply_stream)
    list(reply_stream)
    with pytest.raises(RuntimeError):
        iter(reply_stream)
    assert "ended" in repr(reply_stream)


def test_an_exception_that_is_not_a_break_propagates() -> None:
    class Failing(FakeConnection):
        def chunks(self) -> Iterator[bytes]:
            yield from self._chunks[:2]
            raise ZeroDivisionError

    connection = Failing(body())
    reply_stream = stream_of(connection)
    with pytest.raises(ZeroDivisionError):
        list(reply_stream)
    assert connection.closed == 1 and not reply_stream.reply.complete
    assert reply_stream.reply.error_kind == "error" and "ZeroDivisionError" in reply_stream.reply.error


def test_a_callback_that_raises_releases_the_connection_and_keeps_the_reply() -> None:
    def fail_on_audio(event: object) -> None:
        if isinstance(event, AudioDelta):
            raise ValueError("a bug in the caller's callback")

    connection = FakeConnection(body())
    reply_stream = stream_of(connection)
    with pytest.raises(ValueError, match="callback"):
        reply_stream.collect(fail_on_audio)
    assert reply_stream.done and connection.aborted >= 1 and connection.closed >= 1
    reply = reply_stream.reply
    assert not reply.complete and reply.error_kind == "cancelled" and reply.transcript == "Hi."
    assert len(reply.pcm) == 2400  # the delta the callback saw was kept
