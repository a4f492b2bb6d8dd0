"""ReplyBuilder: progress, snapshots, errors and reasoning while a stream is fed, and the final build."""

from __future__ import annotations

import struct
import threading

import pytest

import or_audio_widgets
from or_audio_widgets import (
    AudioDelta,
    End,
    ErrorEvent,
    ReasoningDelta,
    ReplyBuilder,
    Started,
    TextDelta,
    TranscriptDelta,
)
from or_audio_widgets.core import _reply
from or_audio_widgets.core._events import Event
from or_audio_widgets.core._wav import pcm_to_wav
from or_audio_widgets.errors import AudioFormatError

PCM = bytes(range(256)) * 96  # 24,576 bytes = 0.512 s at 24 kHz mono


def feed_all(builder: ReplyBuilder, events: list[Event]) -> ReplyBuilder:
    for event in events:
        builder.feed(event)
    return builder


def test_one_class_under_every_import_path() -> None:
    assert _reply.ReplyBuilder is ReplyBuilder is or_audio_widgets.ReplyBuilder


def test_builder_progress_and_snapshot() -> None:
    builder = ReplyBuilder(model="asked/model")
    feed_all(builder, [Started("gen-1", None, "OpenAI"), TranscriptDelta("Hi"), AudioDelta(PCM[:4801])])
    assert builder.transcript == "Hi" and builder.text == ""
    assert builder.pcm_bytes == 4800 and builder.audio_seconds == pytest.approx(0.1)
    snap = builder.snapshot()
    assert not snap.complete and snap.error is None
    assert snap.pcm == PCM[:4800] and snap.model == "asked/model" and snap.provider == "OpenAI"
    feed_all(builder, [AudioDelta(PCM[4801:]), End(None, True)])
    reply = builder.build()
    assert reply.complete and reply.pcm == PCM
    assert snap.pcm == PCM[:4800]  # the snapshot kept its own copy
    assert builder.snapshot() is reply is builder.build()


def test_events_after_build_are_ignored() -> None:
    builder = feed_all(ReplyBuilder(), [AudioDelta(b"\1\0"), End(None, True)])
    reply = builder.build()
    builder.feed(AudioDelta(b"\2\0"))
    builder.fail("late")
    assert reply.pcm == b"\1\0" and reply.complete


def test_odd_bytes_are_carried_between_deltas_and_a_last_one_dropped() -> None:
    deltas = [AudioDelta(PCM[i : min(i + 333, 9001)]) for i in range(0, 9001, 333)]
    reply = feed_all(ReplyBuilder(), [*deltas, End(None, True)]).build()
    assert reply.pcm == PCM[:9000]


def test_fail_keeps_everything_and_says_why() -> None:
    builder = feed_all(ReplyBuilder(), [TranscriptDelta("partial"), AudioDelta(PCM[:4800])])
    builder.fail("cancelled", kind="cancelled")
    feed_all(builder, [ErrorEvent("cancelled", kind="cancelled"), End(None, False)])
    reply = builder.build()
    assert not reply.complete
    assert (reply.error, reply.error_kind) == ("cancelled", "cancelled")
    assert reply.transcript == "partial" and reply.pcm == PCM[:4800]


def test_the_first_error_is_the_one_reported() -> None:
    events = [ErrorEvent("Token limit reached", 400), ErrorEvent("second"), End("length", True)]
    reply = feed_all(ReplyBuilder(), events).build()
    assert (reply.error, reply.error_code, reply.error_kind) == ("Token limit reached", 400, "api")
    assert reply.finish_reason == "length"


def test_build_before_the_end_or_without_done_is_incomplete() -> None:
    assert feed_all(ReplyBuilder(), [TextDelta("a")]).build().error == "the stream stopped before its end"
    reply = feed_all(ReplyBuilder(), [TextDelta("a"), End(None, False)]).build()
    assert not reply.complete and "[DONE]" in (reply.error or "")


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(AudioFormatError, match="unknown reply format"):
        ReplyBuilder(format="xyz")
    with pytest.raises(AudioFormatError, match="unknown wire format"):
        ReplyBuilder(wire_format="xyz")


def test_snapshots_from_another_thread_while_feeding() -> None:
    builder = ReplyBuilder()
    stop = threading.Event()
    sizes: list[int] = []

    def watch() -> None:
        while not stop.is_set():
            sizes.append(len(builder.snapshot().pcm))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(300):
            builder.feed(AudioDelta(PCM))
    finally:
        stop.set()
        watcher.join()
    builder.feed(End(None, True))
    assert len(builder.build().pcm) == 300 * len(PCM)
    assert sizes == sorted(sizes)


def test_reasoning_is_kept_apart_from_the_words() -> None:
    builder = feed_all(ReplyBuilder(), [ReasoningDelta("We need"), ReasoningDelta(" to greet."),
                                        TextDelta("Hello")])
    assert builder.reasoning == "We need to greet." and builder.snapshot().reasoning == "We need to greet."
    reply = feed_all(builder, [ErrorEvent("Token limit reached", 400), End("length", True)]).build()
    assert (reply.reasoning, reply.text, reply.words) == ("We need to greet.", "Hello", "Hello")
    assert not reply.complete and reply.error == "Token limit reached"
    assert feed_all(ReplyBuilder(), [End(None, True)]).build().reasoning == ""


def test_audio_that_turns_unreadable_ends_the_audio_without_raising() -> None:
    # a WAV wire whose later piece carries a float header: the builder is fed inside a generator
    float_header = bytearray(pcm_to_wav(PCM[:4800], 16000))
    struct.pack_into("<H", float_header, 20, 3)
    builder = feed_all(ReplyBuilder(wire_format="wav"), [
        TranscriptDelta("kept"), AudioDelta(pcm_to_wav(PCM[:4800], 16000)), AudioDelta(bytes(float_header)),
        AudioDelta(PCM[:100]), End(None, True),
    ])
    reply = builder.build()
    assert not reply.complete and reply.error_kind == "protocol" and "not integer PCM" in (reply.error or "")
    assert (reply.transcript, reply.sample_rate, reply.pcm) == ("kept", 16000, PCM[:4800])
