"""The live API's rules, as the emulator enforces them: status codes and OpenRouter's error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_emulator import SPEAKER, Reply, call, chat, speech_request

from or_audio_widgets import EmulatorHandle, start_emulator
from or_audio_widgets.emulator import MAX_BODY_BYTES


def error_of(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/json"
    error = reply.json()["error"]
    assert set(error) == {"code", "message", "metadata"} and error["code"] == status
    return error


def test_audio_output_requires_streaming(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(stream=False)), 400)
    assert error["message"] == "Audio output requires stream: true"


@pytest.mark.parametrize(
    "model", ["openai/gpt-audio", "openai/gpt-audio-mini"]
)
@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_openai_models_stream_only_pcm16(emulator: EmulatorHandle, model: str, fmt: str) -> None:
    body = speech_request(model=model, audio={"voice": "alloy", "format": fmt})
    error = error_of(chat(emulator, body), 400)
    assert error["message"] == (
        f"'audio.format' does not support '{fmt}' when stream=true. Supported values are: 'pcm16'."
    )


def test_unknown_model_is_refused(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(model="acme/nonexistent")), 400)
    assert error["message"] == "acme/nonexistent is not a valid model ID"


def test_unknown_voice_is_refused(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(audio={"voice": "bob", "format": "pcm16"})), 400)
    assert "'bob'" in error["message"] and "'alloy'" in error["message"]


def test_audio_output_from_a_text_model_finds_no_endpoint(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(model="google/gemini-2.5-flash")), 404)
    assert "output modalities" in error["message"]


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_is_401(emulator: EmulatorHandle, key: str | None) -> None:
    error = error_of(chat(emulator, speech_request(), key=key), 401)
    assert error["message"] == "No auth credentials found"


def test_non_bearer_authorization_is_401(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), key=None, Authorization="Basic dXNlcjpwYXNz")
    error_of(reply, 401)


def test_body_over_the_limit_is_413(emulator: EmulatorHandle) -> None:
    padding = "A" * (MAX_BODY_BYTES + 1024)
    body = json.dumps(speech_request(padding)).encode()
    error = error_of(call(emulator, "POST", "/api/v1/chat/completions", body), 413)
    assert "32 MB" in error["message"]
    # the connection's body was drained: the server still answers on the same port
    assert chat(emulator, speech_request()).status == 200


def test_the_body_limit_is_an_option_of_start_emulator() -> None:
    assert MAX_BODY_BYTES == 32 * 1024 * 1024  # the documented default
    small = json.dumps(speech_request("x")).encode()
    with start_emulator(max_body_bytes=len(small)) as handle:
        assert call(handle, "POST", "/api/v1/chat/completions", small).status == 200
        larger = json.dumps(speech_request("xy")).encode()
        error = error_of(call(handle, "POST", "/api/v1/chat/completions", larger), 413)
        assert error["metadata"] == {"limit_bytes": len(small)}
    with pytest.raises(ValueError, match="max_body_bytes"):
        start_emulator(max_body_bytes=-1)


def test_invalid_json_and_unknown_paths(emulator: EmulatorHandle) -> None:
    assert error_of(call(emulator, "POST", "/api/v1/chat/completions", b"{not json"), 400)["message"]
    error_of(call(emulator, "POST", "/api/v1/completions", b"{}"), 404)
    error_of(call(emulator, "GET", "/api/v1/nothing"), 404)
    error_of(chat(emulator, {"model": SPEAKER, "messages": []}), 400)


@pytest.mark.parametrize(
    ("audio", "missing"),
    [({"format": "pcm16"}, "audio.voice"), ({"voice": "alloy"}, "audio.format"), (None, "audio.voice")],
)
def test_missing_audio_parameters(
    emulator: EmulatorHandle, audio: dict[str, str] | None, missing: str
) -> None:
    error = error_of(chat(emulator, speech_request(audio=audio)), 400)
    assert error["message"] == f"Missing required parameter: '{missing}'."


def test_missing_model(emulator: EmulatorHandle) -> None:
    body = speech_request()
    del body["model"]
    assert error_of(chat(emulator, body), 400)["message"] == "Missing required parameter: 'model'."
