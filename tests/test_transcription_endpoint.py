"""transcribe() over POST /audio/transcriptions against the emulator, and the endpoint's own answers."""

from __future__ import annotations

import base64
import http.client
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _client_helpers import KEY, make_wav

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.client import _long_transcription
from or_audio_widgets.errors import ModelCapabilityError, OptionError


@pytest.fixture
def client(emulator: Any) -> Iterator[OpenRouterAudio]:
    with OpenRouterAudio(KEY, emulator.base_url) as made:
        yield made


def posts(emulator: Any, path: str = "/audio/transcriptions") -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST" and r.path.endswith(path)]


def post(emulator: Any, path: str, body: bytes, kind: str = "application/json") -> tuple[int, Any, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=60)
    try:
        conn.request("POST", f"/api/v1{path}", body, {"Authorization": "Bearer k", "Content-Type": kind})
        response = conn.getresponse()
        return response.status, response.headers, json.loads(response.read())
    finally:
        conn.close()


def test_a_transcription_model_uses_the_endpoint_with_usage_and_cost(client: OpenRouterAudio,
                                                                     emulator: Any) -> None:
    spoken = client.say("Hello world. The quick brown fox.")
    reply = client.transcribe(spoken.audio, language="en", temperature=0.2)
    assert reply.text.startswith("[offline emulator]")  # it says plainly where the words come from
    assert reply.usage["seconds"] == pytest.approx(spoken.duration, abs=0.01)
    assert reply.cost == pytest.approx(spoken.duration * 0.0001, rel=1e-3)  # $0.006 a minute
    assert reply.id.startswith("gen-stt-") and reply.model == "openai/whisper-1"
    body = posts(emulator)[-1].json
    assert body["model"] == "openai/whisper-1" and body["language"] == "en" and body["temperature"] == 0.2
    assert body["input_audio"]["format"] == "wav" and not body["input_audio"]["data"].startswith("data:")


def test_token_priced_models_report_tokens(client: OpenRouterAudio) -> None:
    reply = client.transcribe(make_wav(1.0), model="openai/gpt-4o-mini-transcribe")
    assert reply.usage["input_tokens"] == 10 and reply.usage["total_tokens"] > 10
    assert reply.cost is not None and reply.cost > 0


def test_chat_models_still_transcribe_on_chat(client: OpenRouterAudio, emulator: Any) -> None:
    before = len(posts(emulator))
    reply = client.transcribe(make_wav(0.5), model="google/gemini-2.5-flash")
    assert "format=wav duration=0.500s" in reply.text
    assert len(posts(emulator)) == before  # not the transcription endpoint


def test_language_and_provider_reach_a_listening_chat_model(client: OpenRouterAudio, emulator: Any) -> None:
    before = len(posts(emulator, "/chat/completions"))
    client.transcribe(make_wav(0.3), model="google/gemini-2.5-flash", language="fr",
                      provider={"order": ["google-vertex"]})
    body = posts(emulator, "/chat/completions")[before].json
    assert body["provider"] == {"order": ["google-vertex"]}
    prompt = body["messages"][0]["content"][0]["text"]
    assert prompt.startswith("Transcribe this audio.") and "'fr' (ISO-639-1)" in prompt


@pytest.mark.parametrize("language", ["french", "f", "12", 7])
def test_a_language_that_is_no_iso_code_is_refused_before_sending(client: OpenRouterAudio, emulator: Any,
                                                                  language: object) -> None:
    before = len(emulator.requests)
    with pytest.raises(OptionError, match="ISO-639-1 code of two letters"):
        client.transcribe(make_wav(0.2), language=language)  # type: ignore[arg-type]
    assert len(emulator.requests) == before


@pytest.mark.parametrize(("call", "words"), [
    (dict(model="openai/gpt-4o-mini-tts-2025-12-15"), "it is a speech model"),
    (dict(model="google/gemini-2.5-flash", via="transcriptions"), "Transcription models: openai/whisper-1"),
    (dict(model="openai/gpt-4o"), "cannot transcribe"),
])
def test_models_that_cannot_transcribe_are_refused_before_sending(client: OpenRouterAudio, emulator: Any,
                                                                  call: dict[str, Any], words: str) -> None:
    before = len(emulator.requests)
    with pytest.raises(ModelCapabilityError, match=words):
        client.transcribe(make_wav(0.2), **call)
    assert not [r for r in emulator.requests[before:] if r.method == "POST"]


def test_audio_over_the_size_limit_goes_in_pieces_each_within_it(
        emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # no model list (so no size of its own for the model): the 25 MB cap, made 200 kB here
    monkeypatch.setattr(_long_transcription, "TRANSCRIPTION_MAX_BYTES", 200_000)
    before = len(posts(emulator))
    with OpenRouterAudio(KEY, emulator.base_url, check_models=False) as unlisted:
        reply = unlisted.transcribe(make_wav(20.0), progress=False)  # 640 kB
    sizes = [len(base64.b64decode(r.json["input_audio"]["data"])) for r in posts(emulator)[before:]]
    assert len(sizes) >= 4 and max(sizes) <= 200_000 and reply.complete


def test_a_prompt_or_several_sources_are_for_chat_models(client: OpenRouterAudio) -> None:
    with pytest.raises(ValueError, match="takes no prompt"):
        client.transcribe(make_wav(0.2), model="openai/whisper-1", prompt="Summarise it")
    followed = client.transcribe(make_wav(0.2), prompt="Summarise it")  # no model: one that follows a prompt
    assert followed.model == "google/gemini-2.5-flash" and "duration=0.200s" in followed.text
    with pytest.raises(ValueError, match="transcribe_many"):
        client.transcribe([make_wav(0.2), make_wav(0.2)])


def test_sources_are_converted_to_a_format_the_endpoint_takes(client: OpenRouterAudio, emulator: Any) -> None:
    pcm = bytes(24000 * 2)  # a second of headerless pcm16: not a format the endpoint takes
    part = {"type": "input_audio", "input_audio": {"data": base64.b64encode(pcm).decode(), "format": "pcm16"}}
    reply = client.transcribe(part)
    assert posts(emulator)[-1].json["input_audio"]["format"] == "wav"
    assert reply.usage["seconds"] == pytest.approx(1.0, abs=0.01)


def test_the_endpoint_takes_a_multipart_upload(emulator: Any) -> None:
    boundary = uuid.uuid4().hex
    fields = [(b'name="model"', b"openai/whisper-1"), (b'name="language"', b"en"),
              (b'name="file"; filename="clip.wav"', make_wav(0.5))]
    body = b"".join(b"--%s\r\nContent-Disposition: form-data; %s\r\n\r\n%s\r\n" % (boundary.encode(), h, v)
                    for h, v in fields) + b"--%s--\r\n" % boundary.encode()
    status, headers, payload = post(emulator, "/audio/transcriptions", body,
                                    f"multipart/form-data; boundary={boundary}")
    assert status == 200 and payload["usage"]["seconds"] == pytest.approx(0.5, abs=0.01)
    assert headers["X-Generation-Id"].startswith("gen-stt-")


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"model": "google/gemini-2.5-flash"}, 400, "does not support transcription"),
    ({"model": "openai/whisper-1", "input_audio": {"data": "AAAA", "format": "pcm16"}}, 400, "format"),
    ({"model": "openai/whisper-1", "input_audio": {"data": "data:audio/wav;base64,AA", "format": "wav"}},
     400, "without a data: prefix"),
    ({"model": "nobody/nothing"}, 400, "not a valid model ID"),
])
def test_the_endpoint_refuses_like_the_live_api(emulator: Any, body: dict[str, Any], status: int,
                                                words: str) -> None:
    got, _, payload = post(emulator, "/audio/transcriptions", json.dumps(body).encode())
    assert got == status and words in payload["error"]["message"]


def test_the_model_lists(emulator: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
    try:
        conn.request("GET", "/api/v1/models?output_modalities=transcription")
        ids = [m["id"] for m in json.loads(conn.getresponse().read())["data"]]
        conn.request("GET", "/api/v1/audio/speech/models")
        speech = {m["id"]: m["voices"] for m in json.loads(conn.getresponse().read())["data"]}
    finally:
        conn.close()
    assert "openai/whisper-1" in ids and "google/gemini-2.5-flash" not in ids
    assert "alloy" in speech["openai/gpt-4o-mini-tts-2025-12-15"]


def test_recognition_can_be_turned_off_for_benchmarks(emulator: Any) -> None:
    body = {"model": "openai/whisper-1",
            "input_audio": {"data": base64.b64encode(make_wav(0.5)).decode(), "format": "wav"}}
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=60)
    try:
        conn.request("POST", "/api/v1/audio/transcriptions", json.dumps(body).encode(),
                     {"Authorization": "Bearer k", "Content-Type": "application/json",
                      "X-Emulator-Recognise": "off"})
        payload = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    text = payload["text"]
    assert text.startswith("[offline emulator] heard 0.50 s of wav audio at -")
    assert text.endswith("dBFS (recognition turned off)")


@pytest.mark.parametrize(("kind", "data"), [("audio/wav", make_wav(0.5)), ("audio/x-wav", make_wav(0.5))])
def test_a_multipart_file_without_a_name_is_read_by_its_content_type(emulator: Any, kind: str,
                                                                    data: bytes) -> None:
    boundary = uuid.uuid4().hex
    mark = boundary.encode()
    body = (b'--%s\r\nContent-Disposition: form-data; name="model"\r\n\r\nopenai/whisper-1\r\n'
            b'--%s\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: %s\r\n\r\n%s\r\n--%s--\r\n'
            % (mark, mark, kind.encode(), data, mark))
    status, _, payload = post(emulator, "/audio/transcriptions", body,
                              f"multipart/form-data; boundary={boundary}")
    assert status == 200, payload
    assert payload["usage"]["seconds"] == pytest.approx(0.5, abs=0.01)
