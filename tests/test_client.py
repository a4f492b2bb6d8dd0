"""OpenRouterAudio against the offline emulator over real HTTP: the paths that succeed."""

from __future__ import annotations

import base64
import socket
from pathlib import Path
from typing import Any

import pytest
from _client_helpers import KEY, make_wav, wav_seconds
from _hostile import HostileServer, run_bounded, trickle

from or_audio_widgets import AudioDelta, End, OpenRouterAudio, Started, TextDelta, TranscriptDelta
from or_audio_widgets.client._client import download
from or_audio_widgets.errors import AudioFormatError, AudioInputError, MissingAPIKeyError

SPEAKER = "openai/gpt-audio-mini"
LISTENER = "google/gemini-2.5-flash"  # a chat model that listens: transcribe() sends it a prompt


def chat_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


def test_speak_returns_a_playable_wav_of_the_asked_length(client: OpenRouterAudio, emulator: Any) -> None:
    reply = client.speak("hello there", headers={"X-Emulator-Seconds": "2"})
    assert reply.complete and reply.error is None
    assert reply.format == "wav"
    assert reply.transcript == "Offline emulator speaking. You said: hello there"
    assert reply.duration == pytest.approx(2.0, abs=0.01)
    assert wav_seconds(reply.audio) == pytest.approx(reply.duration, abs=0.001)
    assert len(reply.pcm) == round(reply.duration * 24000) * 2


def test_speak_sends_the_wire_rule_and_attribution(client: OpenRouterAudio, emulator: Any) -> None:
    client.speak("hi", voice="nova", system="Be brief.")
    (sent,) = chat_requests(emulator)
    body = sent.json
    assert body["stream"] is True
    assert body["modalities"] == ["text", "audio"]
    assert body["audio"] == {"voice": "nova", "format": "pcm16"}
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["messages"][1] == {"role": "user", "content": "hi"}
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["x-title"] == "or-audio-widgets"
    assert "authorization" not in headers


def test_app_url_and_extra_headers_are_sent(emulator: Any) -> None:
    emulator.clear_requests()
    client = OpenRouterAudio(KEY, emulator.base_url, app_name="My app", app_url="https://example.org/app",
                             extra_headers={"X-Emulator-Seconds": "0.5"})
    reply = client.speak("hi")
    headers = {k.lower(): v for k, v in chat_requests(emulator)[0].headers.items()}
    assert headers["x-title"] == "My app"
    assert headers["http-referer"] == "https://example.org/app"
    assert reply.duration == pytest.approx(0.5, abs=0.01)


MAGIC = {"wav": b"RIFF", "flac": b"fLaC", "opus": b"OggS"}


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "pcm16"])
def test_every_output_format_is_built_locally_from_pcm16(
    client: OpenRouterAudio, emulator: Any, fmt: str
) -> None:
    reply = client.speak("formats", format=fmt, headers={"X-Emulator-Seconds": "1"})
    assert reply.complete
    assert reply.format == fmt
    assert chat_requests(emulator)[0].json["audio"]["format"] == "pcm16"
    if fmt == "pcm16":
        assert reply.audio == reply.pcm
    elif fmt == "mp3":
        assert reply.audio[:3] == b"ID3" or reply.audio[0] == 0xFF
    else:
        assert reply.audio[:4] == MAGIC[fmt]
    assert reply.duration == pytest.approx(1.0, abs=0.01)


def test_a_pcm16_only_refusal_is_retried_once_with_pcm16(client: OpenRouterAudio, emulator: Any) -> None:
    # The emulator refuses a streamed 'wav' for openai/* models, as the live API does.
    reply = client.speak("wire", wire_format="wav", headers={"X-Emulator-Seconds": "1"})
    assert reply.complete and reply.error is None
    assert [r.json["audio"]["format"] for r in chat_requests(emulator)] == ["wav", "pcm16"]
    assert wav_seconds(reply.audio) == pytest.approx(1.0, abs=0.01)


def test_unknown_output_format_is_refused_before_any_request(client: OpenRouterAudio, emulator: Any) -> None:
    with pytest.raises(AudioFormatError, match="aiff"):
        client.speak("hi", format="aiff")
    assert chat_requests(emulator) == []


def test_stream_yields_events_in_order(client: OpenRouterAudio) -> None:
    events = list(client.stream("events", model=SPEAKER, audio={"voice": "alloy", "format": "wav"}))
    kinds = [type(e) for e in events]
    assert kinds[0] is not End and Started in kinds
    assert kinds.index(TranscriptDelta) < kinds.index(AudioDelta)
    assert events[-1] == End(events[-1].finish_reason, True)


def test_text_reply(client: OpenRouterAudio, emulator: Any) -> None:
    with client.open("Say something", model=LISTENER) as reply_stream:
        events = list(reply_stream)
    assert any(isinstance(e, TextDelta) for e in events)
    reply = reply_stream.reply
    assert reply.complete
    assert reply.text == "Offline emulator reply. You said: Say something"
    body = chat_requests(emulator)[0].json
    assert body["stream"] is True and "modalities" not in body and "audio" not in body


def test_list_content_mixes_text_and_dict_parts(client: OpenRouterAudio, emulator: Any) -> None:
    messages = [{"role": "user", "content": ["Hello", {"type": "text", "text": "world"}]}]
    with client.open(messages, model=LISTENER) as reply_stream:
        reply = reply_stream.collect()
    assert reply.text.endswith("You said: Hello world")
    sent = chat_requests(emulator)[0].json["messages"][0]["content"]
    assert sent == [{"type": "text", "text": "Hello"}, {"type": "text", "text": "world"}]


def wav_part(seconds: float) -> dict[str, Any]:
    data = base64.b64encode(make_wav(seconds)).decode()
    return {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}


def test_transcribe_a_ready_part(client: OpenRouterAudio) -> None:
    reply = client.transcribe(wav_part(1.0), model=LISTENER)
    assert reply.complete
    assert "Offline emulator received 1 audio part." in reply.text
    assert "audio 1: format=wav duration=1.000s rate=16000 channels=1" in reply.text


def test_transcribe_files_through_prepare_audio(client: OpenRouterAudio, tmp_path: Path) -> None:
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    first.write_bytes(make_wav(1.0))
    second.write_bytes(make_wav(0.5))
    reply = client.transcribe([first, str(second)], prompt="What is this?", model=LISTENER)
    assert "received 2 audio parts" in reply.text
    assert "audio 2: format=wav duration=0.500s" in reply.text


def test_speak_with_audio_inputs(client: OpenRouterAudio, emulator: Any) -> None:
    reply = client.speak("Answer this", inputs=[wav_part(0.5)], headers={"X-Emulator-Seconds": "0.5"})
    assert reply.complete
    content = chat_requests(emulator)[0].json["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "Answer this"}
    assert content[1]["type"] == "input_audio"


def test_models_are_filtered_and_cached(client: OpenRouterAudio, emulator: Any) -> None:
    speakers = client.models(output_modality="audio")
    listeners = client.models(input_modality="audio")
    everything = client.models()
    assert speakers and all("audio" in m["architecture"]["output_modalities"] for m in speakers)
    assert listeners and all("audio" in m["architecture"]["input_modalities"] for m in listeners)
    assert SPEAKER in {m["id"] for m in speakers}
    assert LISTENER not in {m["id"] for m in speakers}
    assert len(everything) >= len(listeners) > 0
    gets = [r for r in emulator.requests if r.method == "GET"]
    assert len(gets) == 1  # three calls, one request
    client.models(refresh=True)
    assert len([r for r in emulator.requests if r.method == "GET"]) == 2


def test_key_and_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, emulator: Any) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", emulator.base_url)
    client = OpenRouterAudio()
    assert client.base_url == emulator.base_url
    assert client.speak("env", headers={"X-Emulator-Seconds": "0.2"}).complete


def test_default_base_url_is_openrouter() -> None:
    assert OpenRouterAudio(KEY).base_url == "https://openrouter.ai/api/v1"


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_raises_before_any_request(emulator: Any, key: str | None) -> None:
    emulator.clear_requests()
    with pytest.raises(MissingAPIKeyError, match="OPENROUTER_API_KEY"):
        OpenRouterAudio(key, emulator.base_url)
    assert emulator.requests == []


def test_a_reply_stream_iterates_once(client: OpenRouterAudio) -> None:
    with client.open("once", model=LISTENER) as reply_stream:
        list(reply_stream)
        with pytest.raises(RuntimeError, match="once"):
            iter(reply_stream)


def test_the_client_is_a_context_manager(emulator: Any) -> None:
    with OpenRouterAudio(KEY, emulator.base_url) as client:
        assert client.models()


def test_download_reads_a_body(emulator: Any) -> None:
    data = download(f"{emulator.base_url}/models", max_bytes=10_000_000)
    assert data.startswith(b"{") and b"gpt-4o-audio-preview" in data


def test_download_refuses_a_body_over_the_limit(emulator: Any) -> None:
    with pytest.raises(AudioInputError, match="larger than the limit of 100 bytes"):
        download(f"{emulator.base_url}/models?token=secret", max_bytes=100)


def test_download_reports_http_errors_without_the_query(emulator: Any) -> None:
    with pytest.raises(AudioInputError, match="HTTP 404") as caught:
        download(f"{emulator.base_url}/nothing.wav?sig=topsecret", max_bytes=1000)
    assert "topsecret" not in str(caught.value)


def test_download_reports_connection_failures_and_bad_schemes() -> None:
    with pytest.raises(AudioInputError, match="could not download"):
        download("http://127.0.0.1:9/a.wav", max_bytes=1000)
    with pytest.raises(AudioInputError, match="http"):
        download("ftp://127.0.0.1/a.wav", max_bytes=1000)


def test_a_finished_stream_gives_its_connection_back(
    client: OpenRouterAudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.speak("first", headers={"X-Emulator-Seconds": "0.5"}).complete
    connects: list[Any] = []
    real_connect = socket.socket.connect

    def counting(sock: socket.socket, address: Any) -> Any:
        connects.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting)
    for _ in range(3):
        assert client.speak("again", headers={"X-Emulator-Seconds": "0.5"}).complete
    assert connects == []  # the keep-alive connection of the first reply served the next three


def test_a_download_that_trickles_is_given_up_after_its_time_in_all() -> None:
    """One byte every 0.25 s never trips the read timeout; the time limit of the whole download does."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: 1000\r\n\r\n"
    slow = trickle(head, bytes(1000))
    with HostileServer(slow) as server, pytest.raises(AudioInputError, match="within 1 s") as caught:
        url = f"{server.base_url}/a.wav?sig=s3cret"
        run_bounded(lambda: download(url, max_bytes=10_000, seconds=1), 10)  # the whole body: 250 s
    assert "s3cret" not in str(caught.value)
