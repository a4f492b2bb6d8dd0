"""say() over POST /audio/speech against the emulator: live events, formats, long texts, cancel, refusals."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from _client_helpers import KEY

from or_audio_widgets import AudioDelta, OpenRouterAudio, TranscriptDelta
from or_audio_widgets.errors import AudioFormatError, AudioInputError, BadRequestError, ModelCapabilityError

TTS = "openai/gpt-4o-mini-tts-2025-12-15"


@pytest.fixture
def client(emulator: Any) -> Iterator[OpenRouterAudio]:
    with OpenRouterAudio(KEY, emulator.base_url) as made:
        yield made


def speech_posts(emulator: Any) -> list[dict[str, Any]]:
    return [r.json for r in emulator.requests if r.method == "POST" and r.path.endswith("/audio/speech")]


def test_say_plays_raw_audio_as_events_and_returns_a_reply(client: OpenRouterAudio, emulator: Any) -> None:
    events: list[Any] = []
    reply = client.say("Hello there. Read this aloud.", on_event=events.append)
    deltas = [e for e in events if isinstance(e, AudioDelta)]
    assert deltas and sum(len(e.data) for e in deltas) == len(reply.pcm)
    assert reply.complete and reply.format == "wav" and reply.duration > 0.5
    assert reply.transcript == "Hello there. Read this aloud."  # the words read, word for word
    assert reply.id.startswith("gen-tts-") and reply.model == TTS
    assert reply.usage == {"characters": 29, "requests": 1}
    body = speech_posts(emulator)[-1]
    assert body == {"model": TTS, "input": "Hello there. Read this aloud.", "voice": "alloy",
                    "response_format": "pcm"}


def test_mp3_is_asked_of_the_server_other_formats_are_built_here(client: OpenRouterAudio,
                                                                 emulator: Any) -> None:
    mp3 = client.say("Hello in mp3.", format="mp3", voice="nova", speed=1.5)
    assert mp3.format == "mp3" and mp3.audio[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    assert speech_posts(emulator)[-1]["response_format"] == "mp3"
    assert speech_posts(emulator)[-1]["speed"] == 1.5
    flac = client.say("Hello in flac.", format="flac")
    assert flac.format == "flac" and flac.audio[:4] == b"fLaC"
    assert speech_posts(emulator)[-1]["response_format"] == "pcm"


def test_a_long_text_is_split_and_stitched_without_gaps(client: OpenRouterAudio, emulator: Any) -> None:
    text = " ".join(f"This is sentence number {i} of a long text." for i in range(220))  # ~9,500 chars
    before = len(speech_posts(emulator))
    reply = client.say(text)
    sent = [body["input"] for body in speech_posts(emulator)[before:]]
    assert len(sent) == 3 and all(len(piece) <= 4096 for piece in sent)
    assert " ".join(sent) == text and reply.transcript == text
    assert all(piece.endswith("text.") for piece in sent)  # cut at sentence ends
    alone = sum(len(client.say(piece).pcm) for piece in sent)
    assert len(reply.pcm) == alone  # nothing added or lost between the pieces
    assert reply.usage == {"characters": sum(map(len, sent)), "requests": 3}


def test_cancel_stops_the_current_request_and_sends_no_more(client: OpenRouterAudio, emulator: Any) -> None:
    text = " ".join(f"Sentence {i} goes here." for i in range(400))  # three requests' worth
    before = len(speech_posts(emulator))
    stream = client.open_speech(text, headers={"X-Emulator-Realtime": "1"})
    received = 0
    with stream:
        for event in stream:
            if isinstance(event, AudioDelta):
                received += len(event.data)
                stream.cancel()
    reply = stream.reply
    assert not reply.complete and reply.error_kind == "cancelled"
    assert received > 0 and len(reply.pcm) >= received - 1  # what arrived is kept
    assert len(speech_posts(emulator)) - before == 1


@pytest.mark.parametrize(("call", "error", "words"), [
    (dict(model="openai/whisper-1"), ModelCapabilityError, "transcription model"),
    (dict(model="openai/gpt-audio-mini"), ModelCapabilityError, "use speak()"),
    (dict(voice="zed"), ModelCapabilityError, "its voices: alloy"),
    (dict(format="aiff"), AudioFormatError, "not one of"),
])
def test_what_cannot_be_served_is_refused_before_sending(
        client: OpenRouterAudio, emulator: Any, call: dict[str, Any], error: type, words: str) -> None:
    before = len(speech_posts(emulator))
    with pytest.raises(error, match=words):
        client.say("Hello.", **call)
    assert len(speech_posts(emulator)) == before


def test_empty_text_is_refused(client: OpenRouterAudio) -> None:
    with pytest.raises(AudioInputError, match="nothing to read aloud"):
        client.say("   ")


def test_the_emulator_refuses_what_the_client_did_not_check(emulator: Any) -> None:
    with OpenRouterAudio(KEY, emulator.base_url, check_models=False) as raw:  # the server decides
        with pytest.raises(BadRequestError, match="Invalid voice 'zed'"):
            raw.say("Hello.", voice="zed")
        with pytest.raises(BadRequestError) as caught:
            raw.say("Hello.", model="openai/whisper-1")
    assert "does not support text-to-speech" in caught.value.message
    assert "Speech models:" in str(caught.value)  # the refusal is explained the same way


class _Hostile(http.server.BaseHTTPRequestHandler):
    """No model list; the speech endpoint answers 200 with a page, or 400 like a refusal."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._send(404, "application/json", b'{"error": {"code": 404, "message": "no"}}')

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["model"] == "acme/refused":
            self._send(400, "application/json", b'{"error": {"code": 400, "message": "not a TTS model"}}')
        else:
            self._send(200, "video/webm", b"\x1a\x45\xdf\xa3 not audio we can play")

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def hostile() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_content_type_that_cannot_be_played_is_a_clear_error(hostile: str) -> None:
    with OpenRouterAudio(KEY, hostile, max_retries=0) as client, pytest.raises(
            AudioFormatError, match=r"Content-Type 'video/webm'.*cannot play"):
        client.say("Hello.", model="acme/tts")


def test_without_a_model_list_the_request_goes_out_and_a_refusal_is_explained(hostile: str) -> None:
    with OpenRouterAudio(KEY, hostile, max_retries=0) as client, pytest.raises(BadRequestError) as caught:
        client.say("Hello.", model="acme/refused")
    assert caught.value.message == "not a TTS model"
    assert "Speech models: openai/gpt-4o-mini-tts-2025-12-15" in str(caught.value)


def test_transcript_deltas_come_before_the_audio_of_each_piece(client: OpenRouterAudio) -> None:
    events: list[Any] = []
    client.say("Short one.", on_event=events.append)
    kinds = [type(e) for e in events if isinstance(e, (AudioDelta, TranscriptDelta))]
    assert kinds[0] is TranscriptDelta and AudioDelta in kinds


def test_a_chat_voice_the_list_does_not_give_is_refused_before_sending(client: OpenRouterAudio,
                                                                       emulator: Any) -> None:
    before = sum(1 for r in emulator.requests if r.method == "POST")
    with pytest.raises(ModelCapabilityError, match="openai/gpt-audio-mini has no voice 'rachel'"):
        client.speak("Hi", model="openai/gpt-audio-mini", voice="rachel")
    assert sum(1 for r in emulator.requests if r.method == "POST") == before


def test_a_key_pasted_as_the_voice_is_masked_in_the_refusal(client: OpenRouterAudio) -> None:
    with pytest.raises(ModelCapabilityError) as caught:
        client.say("Hello.", voice=KEY)
    assert KEY not in str(caught.value) and "no voice '***'" in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
