"""Clients written by others accept the emulator's answers: OpenRouter's own SDK (``openrouter``, which
validates every response against the service's OpenAPI description) and openai-python."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import openai
import openrouter
import pytest
from _client_helpers import make_wav

TTS = "openai/gpt-4o-mini-tts-2025-12-15"


@pytest.fixture
def sdk(emulator: Any) -> Iterator[Any]:
    with openrouter.OpenRouter(api_key="sk-or-test", server_url=emulator.base_url) as client:
        yield client


@pytest.fixture
def oai(emulator: Any) -> Any:
    return openai.OpenAI(api_key="sk-or-test", base_url=emulator.base_url, max_retries=0)


def test_models_list_validates(sdk: Any) -> None:
    listing = sdk.models.list(output_modalities="all")
    page = getattr(listing, "result", listing)
    ids = {model.id for model in page.data}
    assert {"openai/gpt-audio-mini", TTS, "openai/whisper-1"} <= ids
    # as measured live: without output_modalities, the models that output text only
    plain = sdk.models.list()
    assert {m.id for m in getattr(plain, "result", plain).data} & {TTS, "openai/whisper-1"} == set()
    voices = {model.id: model.supported_voices for model in page.data}
    assert "alloy" in voices[TTS]


def test_chat_send_text_validates(sdk: Any) -> None:
    reply = sdk.chat.send(model="openai/gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "Offline emulator reply. You said: hi"


def test_chat_send_streamed_validates(sdk: Any) -> None:
    chunks = sdk.chat.send(model="openai/gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Offline emulator reply. You said: hi"


def test_tts_create_speech(sdk: Any) -> None:
    response = sdk.tts.create_speech(model=TTS, input="Hello there", voice="alloy")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/pcm;rate=24000;channels=1"
    assert response.headers["x-generation-id"].startswith("gen-tts-")
    assert len(response.read()) > 24000  # more than half a second of 24 kHz pcm16


def test_stt_create_transcription(sdk: Any) -> None:
    audio = {"data": base64.b64encode(make_wav(1.0)).decode(), "format": "wav"}
    reply = sdk.stt.create_transcription(model="openai/whisper-1", input_audio=audio)
    assert reply.text.startswith("[offline emulator]")
    assert reply.usage.seconds == pytest.approx(1.0, abs=0.01) and reply.usage.cost > 0


def test_openai_streams_chat_audio(oai: Any) -> None:
    stream = oai.chat.completions.create(
        model="openai/gpt-audio-mini", modalities=["text", "audio"], stream=True,
        audio={"voice": "alloy", "format": "pcm16"}, messages=[{"role": "user", "content": "hi"}])
    audio, transcript = "", ""
    for chunk in stream:
        said = chunk.choices[0].delta.audio if chunk.choices else None
        if said is not None:
            audio += said.data or ""
            transcript += said.transcript or ""
    assert len(base64.b64decode(audio)) > 24000
    assert transcript == "Offline emulator speaking. You said: hi"


def test_openai_audio_speech_create(oai: Any) -> None:
    response = oai.audio.speech.create(model=TTS, input="Hello there", voice="alloy", response_format="mp3")
    assert response.response.headers["content-type"] == "audio/mpeg"
    assert response.content[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
