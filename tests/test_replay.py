"""The replay command: writes the audio, prints the words, exit status says whether the stream was whole."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from or_audio_widgets.core._replay import main

AUDIO_CAPTURE = "openai-dotnet_gpt-audio-1.5_stream_pcm16_hello.sse"
ERROR_CAPTURE = "pydantic-ai_openrouter_minimax_stream_midstream_error.sse"
PCM = bytes(range(256)) * 19  # 4,864 bytes


def frames(path: Path) -> tuple[int, bytes]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.readframes(w.getnframes())


def test_replays_a_real_capture(real_streams: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hello.wav"
    assert main([str(real_streams / AUDIO_CAPTURE), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Hello\n"
    assert "wrote" in captured.err
    rate, pcm = frames(out)
    assert rate == 24000 and len(pcm) > 0 and len(pcm) % 2400 == 0


def test_output_format_from_the_suffix(real_streams: Path, tmp_path: Path) -> None:
    out = tmp_path / "hello.flac"
    assert main([str(real_streams / AUDIO_CAPTURE), "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"fLaC"


def test_a_stream_error_exits_non_zero(real_streams: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(real_streams / ERROR_CAPTURE), "-o", str(tmp_path / "x.wav")]) == 1
    assert "incomplete: Token limit reached" in capsys.readouterr().err


def test_partial_audio_is_written_when_the_stream_breaks(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    chunks = [
        {"id": "g", "choices": [{"delta": {"audio": {"transcript": "cut sh"}}}]},
        {"id": "g", "choices": [{"delta": {"audio": {"data": base64.b64encode(PCM).decode()}}}]},
    ]
    source = tmp_path / "broken.sse"
    source.write_bytes(b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks))  # no [DONE]
    out = tmp_path / "partial.wav"
    assert main([str(source), "-o", str(out)]) == 1
    assert frames(out) == (24000, PCM)
    captured = capsys.readouterr()
    assert captured.out == "cut sh\n" and "without 'data: [DONE]'" in captured.err


def test_without_output_it_says_the_audio_was_not_written(real_streams: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(real_streams / AUDIO_CAPTURE)]) == 0
    assert "not written" in capsys.readouterr().err


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.sse"), "-o", str(tmp_path / "x.wav")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_unknown_output_suffix(real_streams: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(real_streams / AUDIO_CAPTURE), "-o", str(tmp_path / "x.doc")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_through_python_dash_m(real_streams: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.wav"
    proc = subprocess.run(
        [sys.executable, "-m", "or_audio_widgets", "replay", str(real_streams / AUDIO_CAPTURE),
         "-o", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello\n" and out.exists()
