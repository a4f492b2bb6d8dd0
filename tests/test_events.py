"""The interpreter from stream bytes to typed events: every quirk of real streams, and bad content."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from or_audio_widgets import (
    AudioDelta,
    End,
    ErrorEvent,
    KeepAlive,
    ReasoningDelta,
    Started,
    TextDelta,
    TranscriptDelta,
    Usage,
    iter_events,
)
from or_audio_widgets.core._events import Event

DONE = b"data: [DONE]\n\n"


def data(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def chunk(delta: dict[str, Any] | None = None, **extra: Any) -> bytes:
    obj: dict[str, Any] = {"id": "gen-1", "model": "m/audio", "object": "chat.completion.chunk"}
    if delta is not None:
        obj["choices"] = [{"index": 0, "delta": delta}]
    obj.update(extra)
    return data(obj)


def audio(raw: bytes) -> bytes:
    return chunk({"audio": {"data": base64.b64encode(raw).decode()}})


def events(*parts: bytes) -> list[Event]:
    return list(iter_events([b"".join(parts)]))


def only(evs: list[Event], kind: type) -> list[Any]:
    return [e for e in evs if isinstance(e, kind)]


def test_a_typical_audio_stream() -> None:
    evs = events(
        b": OPENROUTER PROCESSING\n\n",
        chunk({"role": "assistant"}, provider="OpenAI"),  # role-only first chunk
        chunk({"audio": {"id": "a1", "transcript": "Hel"}}),
        chunk({"audio": {"transcript": "lo"}}),
        chunk(None, obfuscation="abc"),  # no choices key at all
        audio(b"\x01\x02" * 5),
        chunk(None, choices=[], usage={"total_tokens": 42, "cost": 0.5}),
        chunk({"audio": {"expires_at": 1780697157}}),  # expires_at-only last chunk, no finish_reason
        DONE,
    )
    assert evs == [
        KeepAlive("OPENROUTER PROCESSING"),
        Started("gen-1", "m/audio", "OpenAI"),
        TranscriptDelta("Hel"),
        TranscriptDelta("lo"),
        AudioDelta(b"\x01\x02" * 5),
        Usage({"total_tokens": 42, "cost": 0.5}, 0.5),
        End(None, True),
    ]


def test_text_deltas_and_finish_reason() -> None:
    evs = events(
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Peb"}),
        chunk({"content": "bles"}, choices=[{"delta": {"content": ""}, "finish_reason": "stop"}]),
        DONE,
    )
    assert only(evs, TextDelta) == [TextDelta("Peb")]
    assert evs[-1] == End("stop", True)


def test_started_once_even_if_later_chunks_name_a_model() -> None:
    evs = events(chunk({"content": "a"}), chunk({"content": "b"}, model="other"), DONE)
    assert only(evs, Started) == [Started("gen-1", "m/audio", None)]


def test_usage_without_cost_and_with_a_bogus_cost() -> None:
    evs = events(chunk(None, usage={"total_tokens": 1}), chunk(None, usage={"cost": True}), DONE)
    assert [u.cost for u in only(evs, Usage)] == [None, None]


def test_per_chunk_padded_audio_keeps_every_byte() -> None:
    evs = events(chunk({"audio": {"data": "QQ=="}}), chunk({"audio": {"data": "QkM="}}), DONE)
    assert only(evs, AudioDelta) == [AudioDelta(b"A"), AudioDelta(b"BC")]


def test_audio_split_mid_quantum_across_chunks() -> None:
    evs = events(chunk({"audio": {"data": "QUJ"}}), chunk({"audio": {"data": "DRA"}}), DONE)
    assert b"".join(e.data for e in only(evs, AudioDelta)) == b"ABCD"  # the last "A" decoded at the end


def test_top_level_error_midstream() -> None:
    err = {"code": 400, "message": "Token limit reached", "metadata": {"raw": "x"}}
    evs = events(chunk({"content": "partial"}), chunk({"content": ""}, error=err), DONE)
    assert only(evs, TextDelta) == [TextDelta("partial")]
    assert only(evs, ErrorEvent) == [ErrorEvent("Token limit reached", 400, {"raw": "x"}, "api")]
    assert evs[-1] == End(None, True)


def test_choice_error_with_finish_reason_error_is_one_error() -> None:
    choice = {"delta": {}, "finish_reason": "error", "error": {"code": "server_error", "message": "boom"}}
    evs = events(chunk({"content": "a"}), chunk(None, choices=[choice]), DONE)
    assert only(evs, ErrorEvent) == [ErrorEvent("boom", "server_error", None, "api")]
    assert evs[-1] == End("error", True)


def test_openrouter_midstream_error_shape_is_one_error_with_its_own_message() -> None:
    # https://openrouter.ai/docs/api-reference/streaming: a top-level error plus finish_reason "error"
    err = {"code": "server_error", "message": "Provider disconnected unexpectedly"}
    choice = {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
    evs = events(chunk({"content": "partial"}), chunk(None, choices=[choice], error=err), DONE)
    expected = ErrorEvent("Provider disconnected unexpectedly", "server_error", None, "api")
    assert only(evs, ErrorEvent) == [expected]
    assert only(evs, TextDelta) == [TextDelta("partial")]
    assert evs[-1] == End("error", True)


def test_top_level_error_wins_over_a_choice_error_in_the_same_chunk() -> None:
    choice = {"delta": {}, "finish_reason": "error", "error": {"message": "choice says"}}
    evs = events(chunk(None, choices=[choice], error={"code": 502, "message": "router says"}), DONE)
    assert [(e.message, e.code) for e in only(evs, ErrorEvent)] == [("router says", 502)]


def test_finish_reason_error_without_an_error_object() -> None:
    evs = events(chunk(None, choices=[{"delta": {}, "finish_reason": "error"}]), DONE)
    [err] = only(evs, ErrorEvent)
    assert "finish_reason 'error'" in err.message and err.kind == "api"


def test_reasoning_deltas() -> None:
    evs = events(
        chunk({"content": "", "reasoning": "We need",
               "reasoning_details": [{"type": "reasoning.text", "text": "We need", "index": 0}]}),
        chunk({"reasoning": None, "reasoning_details": [{"type": "reasoning.text", "text": " to"},
                                                         {"type": "reasoning.encrypted", "data": "opaque"}]}),
        chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": " greet."}]}),
        chunk({"reasoning": "", "reasoning_details": [], "content": "Hi"}),
        DONE,
    )
    assert [e.text for e in only(evs, ReasoningDelta)] == ["We need", " to", " greet."]
    assert only(evs, TextDelta) == [TextDelta("Hi")]


def test_invalid_json_is_a_protocol_error_and_the_stream_goes_on() -> None:
    evs = events(chunk({"content": "a"}), b"data: {not json\n\n", chunk({"content": "b"}), DONE)
    [err] = only(evs, ErrorEvent)
    assert err.kind == "protocol" and "invalid JSON in event 2" in err.message
    assert only(evs, TextDelta) == [TextDelta("a"), TextDelta("b")]
    assert evs[-1] == End(None, True)


def test_non_object_json() -> None:
    [err] = only(events(b"data: [1, 2]\n\n", DONE), ErrorEvent)
    assert err.kind == "protocol" and "not a JSON object" in err.message


def test_invalid_base64_is_a_protocol_error_naming_the_chunk() -> None:
    evs = events(audio(b"ok"), chunk({"audio": {"data": "@@@@"}}), audio(b"more"), DONE)
    [err] = only(evs, ErrorEvent)
    assert err.kind == "protocol" and "audio chunk 1" in err.message
    assert [e.data for e in only(evs, AudioDelta)] == [b"ok", b"more"]


def test_audio_left_unfinished_before_an_invalid_chunk_is_kept() -> None:
    evs = events(chunk({"audio": {"data": "QUJDRA"}}), chunk({"audio": {"data": "!!!!"}}), audio(b"Z"), DONE)
    assert [e.data for e in only(evs, AudioDelta)] == [b"ABC", b"D", b"Z"]
    [err] = only(evs, ErrorEvent)
    assert err.kind == "protocol" and "audio chunk 1" in err.message


def test_missing_done_is_reported() -> None:
    evs = events(chunk({"content": "a"}))
    [err] = only(evs, ErrorEvent)
    assert err.kind == "protocol" and "without 'data: [DONE]'" in err.message
    assert evs[-1] == End(None, False)


def test_missing_done_in_the_middle_of_an_event() -> None:
    evs = events(chunk({"content": "a"}), b'data: {"choices"')
    assert "in the middle of an event" in only(evs, ErrorEvent)[0].message


def test_empty_body() -> None:
    evs = list(iter_events([]))
    assert evs == [ErrorEvent("the stream was empty: the server sent no data at all", kind="protocol"),
                   End(None, False)]
    assert list(iter_events([b"", b""])) == evs


def test_api_error_without_done_is_not_reported_twice() -> None:
    evs = events(chunk(None, error={"message": "gone"}))
    assert [e.message for e in only(evs, ErrorEvent)] == ["gone"]


def test_error_that_is_not_an_object() -> None:
    [err] = only(events(chunk(None, error="bad things"), DONE), ErrorEvent)
    assert "bad things" in err.message and err.code is None


def test_reading_stops_at_done() -> None:
    def body() -> Iterator[bytes]:
        yield chunk({"content": "a"}) + DONE
        raise AssertionError("read past [DONE]")

    assert list(iter_events(body()))[-1] == End(None, True)


def test_exceptions_from_the_source_propagate() -> None:
    def body() -> Iterator[bytes]:
        yield chunk({"content": "a"})
        raise ConnectionResetError("peer went away")

    seen: list[Event] = []
    with pytest.raises(ConnectionResetError):
        for event in iter_events(body()):
            seen.append(event)
    assert TextDelta("a") in seen


def test_audio_delta_repr_is_short() -> None:
    assert repr(AudioDelta(b"\0" * 100000)) == "AudioDelta(<100000 bytes>)"


QUIRKY = b"".join([
    b"\xef\xbb\xbf: OPENROUTER PROCESSING\r\n\r\n",
    chunk({"role": "assistant"}).replace(b"\n", b"\r\n"),
    chunk({"audio": {"transcript": "Привет, мир"}}),
    chunk({"reasoning_details": [{"type": "reasoning.text", "text": "думаю"}]}),
    chunk(None, obfuscation="x").replace(b"\n", b"\r"),
    chunk({"audio": {"data": base64.b64encode(bytes(range(256)) * 3).decode()}}),
    chunk({"audio": {"data": "QQ=="}}),
    b": keep-alive\n\n",
    b"data: {broken\n\n",
    chunk(None, choices=[], usage={"total_tokens": 3, "cost": 0.001}),
    chunk({"audio": {"expires_at": 1}}, error={"code": 502, "message": "<provider> down"}),
    DONE,
])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(QUIRKY)), max_size=60))
def test_any_split_of_a_quirky_stream_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    chunks = [QUIRKY[a:b] for a, b in zip([0, *points], [*points, len(QUIRKY)], strict=True)]
    assert list(iter_events(chunks)) == events(QUIRKY)


def test_quirky_stream_per_byte() -> None:
    whole = events(QUIRKY)
    assert list(iter_events(QUIRKY[i : i + 1] for i in range(len(QUIRKY)))) == whole
    assert TranscriptDelta("Привет, мир") in whole and ReasoningDelta("думаю") in whole
    assert [type(e).__name__ for e in whole].count("ErrorEvent") == 2
    assert whole[-1] == End(None, True)
