"""The client when the stream itself goes wrong: drops, errors inside the stream, quirks, stalls and
deadlines; the partial reply is always kept."""

from __future__ import annotations

from typing import Any

import pytest
from _client_helpers import KEY, faulty, posts, wav_seconds

from or_audio_widgets import AudioDelta, End, ErrorEvent, KeepAlive, OpenRouterAudio
from or_audio_widgets.core._events import Event

SPEAKER = "openai/gpt-audio-mini"
AUDIO = {"voice": "alloy", "format": "wav"}


def collect(client: OpenRouterAudio, headers: dict[str, str]) -> tuple[list[Event], Any]:
    with client.open("partial", model=SPEAKER, audio=AUDIO, headers=headers) as reply_stream:
        events = list(reply_stream)
    return events, reply_stream.reply


def test_a_dropped_connection_keeps_the_partial_reply(client: OpenRouterAudio, emulator: Any) -> None:
    events, reply = collect(client, faulty("drop", 4.0))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors[0].kind == "connection"
    assert events[-1] == End(None, False)
    assert posts(emulator) == 1
    assert not reply.complete and reply.error
    assert 0 < reply.duration < 4.0
    assert wav_seconds(reply.audio) == pytest.approx(reply.duration, abs=0.001)


@pytest.mark.parametrize("fault", ["midstream-error", "choice-error"])
def test_errors_in_the_stream_are_events_not_retries(
    client: OpenRouterAudio, emulator: Any, fault: str
) -> None:
    events, reply = collect(client, faulty(fault, 4.0))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors and errors[0].kind == "api"
    assert isinstance(events[-1], End)
    assert posts(emulator) == 1
    assert not reply.complete and reply.error
    assert reply.duration > 0 and any(isinstance(e, AudioDelta) for e in events)


def test_speak_returns_the_partial_reply_of_a_broken_stream(client: OpenRouterAudio, emulator: Any) -> None:
    reply = client.speak("broken", headers=faulty("drop", 4.0))
    assert not reply.complete and 0 < reply.duration < 4.0
    assert posts(emulator) == 1


@pytest.mark.parametrize("fault", ["crlf", "bom", "padded-base64"])
def test_stream_quirks_lose_nothing(client: OpenRouterAudio, fault: str) -> None:
    reply = client.speak("quirks", headers=faulty(fault, 1.5))
    assert reply.complete
    assert reply.duration == pytest.approx(1.5, abs=0.01)


# --- timeouts --------------------------------------------------------------------------------------


def test_a_stall_past_the_read_timeout_ends_the_stream(emulator: Any) -> None:
    emulator.clear_requests()
    client = OpenRouterAudio(KEY, emulator.base_url, timeout=0.3)
    events, reply = collect(client, faulty("stall;seconds=3"))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors[0].kind == "timeout" and "read timeout" in errors[0].message
    assert events[-1] == End(None, False)
    assert not reply.complete
    assert posts(emulator) == 1


def test_keep_alive_comments_reset_the_read_timeout(emulator: Any) -> None:
    client = OpenRouterAudio(KEY, emulator.base_url, timeout=1.0)
    events, reply = collect(client, faulty("stall;seconds=2.5;keepalive=0.1", 0.5))
    assert reply.complete
    assert sum(isinstance(e, KeepAlive) for e in events) > 3


def test_the_overall_deadline_ends_a_slow_stream(emulator: Any) -> None:
    # Realtime chunks come every 0.4 s: the deadline, not a read timeout, must end this stream.
    client = OpenRouterAudio(KEY, emulator.base_url, deadline=0.5)
    headers = {"X-Emulator-Realtime": "1", "X-Emulator-Seconds": "10"}
    events, reply = collect(client, headers)
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors[0].kind == "timeout" and "deadline" in errors[0].message
    assert not reply.complete
    assert reply.duration < 10
    assert wav_seconds(reply.audio) == pytest.approx(reply.duration, abs=0.001)


def test_a_per_call_deadline_overrides_the_client(client: OpenRouterAudio) -> None:
    headers = {"X-Emulator-Realtime": "1", "X-Emulator-Seconds": "10"}
    reply = client.speak("slow", headers=headers, deadline=0.3)
    assert not reply.complete and reply.duration < 10


def test_empty_and_malformed_streams_are_protocol_errors(client: OpenRouterAudio, emulator: Any) -> None:
    events, reply = collect(client, faulty("empty"))
    assert [e.kind for e in events if isinstance(e, ErrorEvent)] == ["protocol"]
    assert not reply.complete and posts(emulator) == 1
    events, reply = collect(client, faulty("malformed-json", 1.0))
    assert any(isinstance(e, ErrorEvent) and e.kind == "protocol" for e in events)
    assert not reply.complete and reply.duration > 0


# --- a body that fails before its first byte is retried ----------------------------------------------
