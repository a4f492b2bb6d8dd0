"""A file uploaded into the Recorder where the microphone cannot be used (the page sends it as it sends a
take, with the file's name): the kernel checks and converts it as it does a recording, names it as the
person's file, and refuses one that is not audio with the file's name and the reason."""

from __future__ import annotations

import io
import wave
from typing import Any

from _widget_helpers import Sent, front_end, tone

from or_audio_widgets import AudioChat, OpenRouterAudio, Recorder


def wav_file(seconds: float, rate: int = 24000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone(seconds, rate))
    return out.getvalue()


def test_an_uploaded_file_becomes_the_take_under_its_own_name() -> None:
    recorder = Recorder()
    sent = Sent(recorder)
    seen: list[Any] = []
    recorder.on_recording(seen.append)
    data = wav_file(1.25)
    front_end(recorder, {"t": "recording", "mime": "audio/wav", "ms": 0, "name": "question.wav"}, [data])
    prepared = recorder.prepared
    assert prepared is not None and seen == [prepared]
    assert prepared.source_name == "uploaded file question.wav"
    assert prepared.format == "wav" and prepared.part["input_audio"]["format"] == "wav"
    assert prepared.duration == 1.25
    assert sent.messages[-1][0] == {"t": "prepared", "format": "wav", "duration": 1.25, "size": prepared.size}


def test_an_uploaded_file_that_is_not_audio_is_refused_with_its_name() -> None:
    recorder = Recorder()
    sent = Sent(recorder)
    notes = b"just some words\n" * 8
    front_end(recorder, {"t": "recording", "mime": "", "ms": 0, "name": "notes.txt"}, [notes])
    assert recorder.prepared is None
    message = sent.messages[-1][0]
    assert message["t"] == "error" and message["message"].startswith("The file notes.txt could not be used: ")
    assert recorder.error == message["message"]


def test_a_long_file_name_is_cut_and_a_missing_one_is_a_recording() -> None:
    recorder = Recorder()
    Sent(recorder)
    front_end(recorder, {"t": "recording", "mime": "audio/wav", "ms": 0, "name": "x" * 500 + ".wav"},
              [wav_file(0.5)])
    assert recorder.prepared.source_name == "uploaded file " + "x" * 80
    front_end(recorder, {"t": "recording", "mime": "audio/wav", "ms": 500, "name": 7}, [wav_file(0.5)])
    assert recorder.prepared.source_name == "microphone recording"  # a name that is no text is no name


def test_audio_chat_sends_the_uploaded_take_as_its_turn(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url), model="google/gemini-2.5-flash")
    front_end(chat.recorder, {"t": "recording", "mime": "audio/wav", "ms": 0, "name": "turn.wav"},
              [wav_file(1.5)])
    chat.send("")
    assert chat.wait(30)
    turn, answer = chat.turns
    assert turn.parts and turn.parts[0]["type"] == "input_audio"
    assert "uploaded file turn.wav" in turn.sources[0]
    assert "audio 1: format=wav duration=1.500s" in answer.text
    assert chat.recorder.prepared is None  # sent once, then cleared, as a recorded take is
