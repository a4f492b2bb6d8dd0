"""%%oraudio on the speech and transcription endpoints: --say, --transcribe, a model that picks its surface,
and the settings of %oraudio_config / %config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _client_helpers import make_wav
from _magics_support import (
    Recorded,
    audio_uris,
    decoded_seconds,
    last_body,
    magics,
)
from IPython.core.error import UsageError

from or_audio_widgets.jupyter.magics._run import CellError

TEXT = "Read this <b>word</b> for word."


def test_say_reads_the_cell_aloud_and_keeps_a_player(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--say --voice nova", TEXT)
    body = last_body(online)
    assert body == {"model": "openai/gpt-4o-mini-tts-2025-12-15", "input": TEXT, "voice": "nova",
                    "response_format": "pcm"}
    reply = ip.user_ns["_oraudio"]
    assert reply.complete and reply.transcript == TEXT and reply.duration > 1
    saved = rec.final_html()
    assert "&lt;b&gt;word&lt;/b&gt;" in saved and "<b>word" not in saved  # escaped
    (mime, data), = audio_uris(saved)
    # a second or more is kept as MP3 (--embed auto), which decodes to the reply's length
    assert mime == "audio/mpeg" and decoded_seconds(data) == pytest.approx(reply.duration, abs=0.08)


def test_a_speech_model_picks_the_speech_endpoint(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "-m elevenlabs/eleven-turbo-v2 --voice rachel --format mp3", "Hello.")
    body = last_body(online)
    assert body["model"] == "elevenlabs/eleven-turbo-v2" and body["input"] == "Hello."
    assert ip.user_ns["_oraudio"].format == "mp3"


def test_transcribe_writes_down_the_input(ip: Any, rec: Recorded, online: Any, tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(make_wav(0.8))
    ip.run_line_magic("oraudio", f"--transcribe -i {clip}")
    body = last_body(online)
    assert body["model"] == "openai/whisper-1" and body["input_audio"]["format"] == "wav"
    reply = ip.user_ns["_oraudio"]
    assert reply.text.startswith("[offline emulator]")
    assert reply.usage["seconds"] == pytest.approx(0.8, abs=0.01)
    assert "[offline emulator]" in rec.final_html()


def test_a_transcription_model_picks_its_endpoint(ip: Any, rec: Recorded, online: Any,
                                                  tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(make_wav(0.5))
    ip.run_line_magic("oraudio", f"-m google/chirp-3 -i {clip}")
    assert last_body(online)["model"] == "google/chirp-3"
    assert online.requests[-1].path.endswith("/audio/transcriptions")


@pytest.mark.parametrize(("line", "cell", "words"), [
    ("--say --transcribe", "Hi", "choose one"),
    ("--say --text", "Hi", "--text: not for reading a text aloud"),
    ("--say --temperature 0.5", "Hi", "--temperature"),
    ("--transcribe", "Write this down", "the audio you give with -i"),
    ("--transcribe -i a.wav b.wav", "\n", "exactly one audio source"),
    ("--transcribe -i a.wav", "Summarise it", "takes no prompt"),
])
def test_options_that_do_not_fit_the_surface_are_usage_errors(ip: Any, rec: Recorded, online: Any,
                                                              line: str, cell: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        ip.run_cell_magic("oraudio", line, cell)


def test_a_model_that_cannot_serve_is_refused_naming_those_that_can(ip: Any, rec: Recorded,
                                                                    online: Any) -> None:
    with pytest.raises(CellError) as caught:
        ip.run_cell_magic("oraudio", "-m openai/gpt-4o-audio-preview", "Say hi")
    assert "takes audio in" in caught.value.message and "openai/gpt-audio-mini" in caught.value.message
    assert not [r for r in online.requests if r.method == "POST"]
    with pytest.raises(CellError, match="no voice 'zed'"):
        ip.run_cell_magic("oraudio", "--say --voice zed", "Hi")


def test_defaults_are_settable(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_line_magic("oraudio_config", "--speech-model mistralai/voxtral-mini-tts-2603 --speech-voice nova")
    ip.run_line_magic("config", "OrAudioMagics.transcription_model = 'openai/gpt-4o-mini-transcribe'")
    settings = rec.displays()[-1]["data"]["text/plain"]
    assert "mistralai/voxtral-mini-tts-2603" in settings and "openai/whisper-1" in settings
    assert magics(ip).transcription_model == "openai/gpt-4o-mini-transcribe"
    ip.run_cell_magic("oraudio", "--say", "Hi")
    assert last_body(online)["model"] == "mistralai/voxtral-mini-tts-2603"
    assert last_body(online)["voice"] == "nova"
