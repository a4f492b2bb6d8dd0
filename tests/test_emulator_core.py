"""The emulator's streams, faults included, read by the package's own streaming core (``iter_events``)."""

from __future__ import annotations

import pytest
from test_emulator import audio_of, chat, speech_request, sse_events

from or_audio_widgets import AudioDelta, EmulatorHandle, End, ErrorEvent, TranscriptDelta, iter_events


def _pieces(body: bytes, size: int = 7) -> list[bytes]:
    # odd network chunks: CRLFs, BOM bytes and multibyte characters land split across them
    return [body[i : i + size] for i in range(0, len(body), size)]


def _read(body: bytes) -> tuple[str, bytes, list[ErrorEvent], End]:
    events = list(iter_events(_pieces(body)))
    transcript = "".join(e.text for e in events if isinstance(e, TranscriptDelta))
    pcm = b"".join(e.data for e in events if isinstance(e, AudioDelta))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    end = events[-1]
    assert isinstance(end, End)
    return transcript, pcm, errors, end


@pytest.mark.parametrize("fault", ["crlf", "bom", "padded-base64", "bom, crlf, padded-base64"])
def test_framing_faults_lose_nothing(emulator: EmulatorHandle, fault: str) -> None:
    said = "naïve 東京 <b>"
    plain = chat(emulator, speech_request(said)).body
    expected = (f"Offline emulator speaking. You said: {said}", b"".join(audio_of(sse_events(plain))))
    transcript, pcm, errors, end = _read(chat(emulator, speech_request(said), X_Emulator_Fault=fault).body)
    assert (transcript, pcm) == expected
    assert errors == [] and end.done


def test_midstream_error_is_an_api_error_after_output(emulator: EmulatorHandle) -> None:
    transcript, pcm, errors, end = _read(
        chat(emulator, speech_request(), X_Emulator_Fault="midstream-error").body
    )
    assert len(pcm) == 2 * 19200 and transcript
    # OpenRouter's documented shape (a top-level error beside finish_reason "error") is one error
    assert errors == [ErrorEvent("Provider disconnected unexpectedly", "server_error", None, "api")]
    assert end == End("error", True)


def test_choice_error_is_one_api_error_after_output(emulator: EmulatorHandle) -> None:
    body = chat(emulator, speech_request(), X_Emulator_Fault="choice-error").body
    transcript, pcm, errors, end = _read(body)
    assert len(pcm) == 2 * 19200 and transcript
    assert errors == [ErrorEvent("Upstream provider error", 502, None, "api")]
    assert end == End("error", True)


def test_malformed_json_is_a_protocol_error_and_the_rest_arrives(emulator: EmulatorHandle) -> None:
    body = chat(emulator, speech_request("all of it"), X_Emulator_Fault="malformed-json").body
    transcript, pcm, errors, end = _read(body)
    assert transcript == "Offline emulator speaking. You said: all of it"
    assert "protocol" in [e.kind for e in errors] and pcm and end.done
