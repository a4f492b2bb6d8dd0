"""Every real capture replays through the same decoder, whatever the network chunking.

The captures are not part of the project (``../shared/fixtures/real-streams`` or ``OR_AUDIO_FIXTURES``):
without them these tests skip, naming the folder, except in CI, where a missing folder fails. Each quirk they
show is also tested on the project's own streams in ``test_stream_quirks.py``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from _synthetic_streams import expected_pcm, split
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from or_audio_widgets import AudioDelta, AudioReply, End, ErrorEvent, ReasoningDelta, TextDelta, iter_events
from or_audio_widgets.core._bodies import iter_reply_events
from or_audio_widgets.core._events import Event

CAPTURES = [
    "openai-dotnet_gpt-audio-1.5_stream_pcm16_hello.sse",
    "pydantic-ai_openrouter_minimax_stream_midstream_error.sse",
    "pydantic-ai_openrouter_stream_native_options.sse",
    "llm-openrouter_2025-09_gpt-4o_stream_text_1.sse",
]


@pytest.fixture(scope="module")
def bodies(real_streams: Path) -> dict[str, bytes]:
    found = sorted(p.name for p in real_streams.glob("*.sse"))
    assert set(CAPTURES) <= set(found), f"captures missing from {real_streams}"
    return {name: (real_streams / name).read_bytes() for name in found}


def test_every_capture_replays_to_the_exact_pcm(bodies: dict[str, bytes]) -> None:
    for name, body in bodies.items():
        reply = AudioReply.from_sse([body])
        assert reply.pcm == expected_pcm(body), name
        events = list(iter_events([body]))
        assert isinstance(events[-1], End) and events[-1].done, name


def test_the_audio_capture(bodies: dict[str, bytes]) -> None:
    reply = AudioReply.from_sse([bodies[CAPTURES[0]]])
    assert reply.complete and reply.transcript == "Hello"
    assert len(reply.pcm) % 2400 == 0 and len(reply.pcm) > 0
    assert reply.duration == pytest.approx(len(reply.pcm) / 48000)
    assert reply.usage is not None and reply.usage["total_tokens"] == 42
    assert reply.finish_reason is None  # this stream never sends one
    assert reply.id == "chatcmpl-DnW1lGM0GNMpHFyaqBHjOyf4pgETx"


def test_the_midstream_error_capture_keeps_its_partial_reply(bodies: dict[str, bytes]) -> None:
    body = bodies[CAPTURES[1]]
    events = list(iter_events([body]))
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert (error.message, error.code, error.kind) == ("Token limit reached", 400, "api")
    assert sum(1 for e in events if type(e).__name__ == "KeepAlive") == 17
    reply = AudioReply.from_sse([body])
    assert not reply.complete and reply.error == "Token limit reached" and reply.error_code == 400
    assert reply.text == ""  # its only content deltas are empty; the words went to "reasoning"
    thinking = [e.text for e in events if isinstance(e, ReasoningDelta)]
    assert thinking == ["We need", " to respond to a greeting. The user"]
    assert reply.reasoning == "We need to respond to a greeting. The user"  # kept beside the error
    assert reply.usage is not None and reply.usage["completion_tokens"] == 10  # kept from the error chunk
    assert reply.finish_reason == "length" and reply.provider == "Minimax"


def test_the_text_captures(bodies: dict[str, bytes]) -> None:
    grok = AudioReply.from_sse([bodies[CAPTURES[2]]])
    assert grok.complete and grok.text.startswith("I'm Grok") and grok.cost == pytest.approx(0.00333825)
    body = bodies[CAPTURES[3]]
    pieces = [e.text for e in iter_events([body]) if isinstance(e, TextDelta)]
    assert "".join(pieces) == AudioReply.from_sse([body]).text == "Pebbles and Skipper."


def test_crlf_and_bom_variants_give_the_same_events(bodies: dict[str, bytes]) -> None:
    for name, body in bodies.items():
        events = list(iter_events([body]))
        crlf = b"\xef\xbb\xbf" + body.replace(b"\n", b"\r\n")
        assert list(iter_events(crlf[i : i + 1] for i in range(len(crlf)))) == events, name
        assert list(iter_events([body.replace(b"\n", b"\r")])) == events, name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_split_of_a_capture_gives_the_same_events(bodies: dict[str, bytes], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(bodies)))
    body = bodies[name]
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=80))
    assert list(iter_events(split(body, cuts))) == list(iter_events([body]))


def test_single_byte_chunks_of_the_audio_capture(bodies: dict[str, bytes]) -> None:
    body = bodies[CAPTURES[0]]
    events: list[Event] = list(iter_events(body[i : i + 1] for i in range(len(body))))
    assert events == list(iter_events([body]))
    assert b"".join(e.data for e in events if isinstance(e, AudioDelta)) == expected_pcm(body)


def test_the_non_streamed_capture_is_read_whole_through_the_client(real_streams: Path) -> None:
    """A chat.completion sent whole (message.audio, pcm16 without a header): the reply the client builds from
    it has every byte of its audio and its transcript, whatever the network chunking."""
    body = (real_streams / "openai-dotnet_gpt-audio-1.5_nonstream_pcm16_audio_in.json").read_bytes()
    message = json.loads(body)["choices"][0]["message"]
    pcm = base64.b64decode(message["audio"]["data"])
    for cuts in ([], [1, 2, 3], [100, 1000, 50_000], list(range(0, len(body), 4096))):
        reply = AudioReply.from_events(iter_reply_events(split(body, cuts)))
        assert reply.complete and reply.pcm == pcm and reply.transcript == message["audio"]["transcript"]
        assert reply.finish_reason == "stop" and reply.usage is not None
        assert reply.usage["total_tokens"] == 153
