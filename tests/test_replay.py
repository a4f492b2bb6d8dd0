"""The replay command: writes the audio, prints the words, exit status says whether the stream was whole."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from _synthetic_streams import (
    AUDIO_CHUNKS,
    AUDIO_TRANSCRIPT,
    ERROR_MESSAGE,
    audio_stream,
    midstream_error_stream,
)

from or_audio_widgets.core._replay import main

AUDIO_CAPTURE = "openai-dotnet_gpt-audio-1.5_stream_pcm16_hello.sse"
ERROR_CAPTURE = "pydantic-ai_openrouter_minimax_stream_midstream_error.sse"
PCM = bytes(range(256)) * 19  # 4,864 bytes


def stream_file(
    request: pytest.FixtureRequest, tmp_path: Path, capture: str, make: Callable[[], bytes]
) -> Path:
    """The real ``capture`` (param "captured"), or the project's own stream from ``make`` in a file."""
    if request.param == "captured":
        return Path(request.getfixturevalue("real_streams")) / capture
    path = tmp_path / "synthesized.sse"
    path.write_bytes(make())
    return path


@pytest.fixture(params=["synthesized", "captured"])
def hello(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    """An audio stream and its transcript: the project's own, and the real capture where present."""
    said = "Hello" if request.param == "captured" else AUDIO_TRANSCRIPT
    return stream_file(request, tmp_path, AUDIO_CAPTURE, audio_stream), said


@pytest.fixture(params=["synthesized", "captured"])
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    """A stream with an error mid-stream, and the error's message."""
    message = "Token limit reached" if request.param == "captured" else ERROR_MESSAGE
    return stream_file(request, tmp_path, ERROR_CAPTURE, midstream_error_stream), message


def frames(path: Path) -> tuple[int, bytes]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.readframes(w.getnframes())


def test_replays_a_stream(hello: tuple[Path, str], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hello.wav"
    assert main([str(hello[0]), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == hello[1] + "\n"
    assert "wrote" in captured.err
    rate, pcm = frames(out)
    assert rate == 24000 and len(pcm) > 0 and len(pcm) % 2400 == 0


def test_replays_the_exact_audio_of_the_synthesized_stream(tmp_path: Path) -> None:
    source, out = tmp_path / "ours.sse", tmp_path / "ours.wav"
    source.write_bytes(audio_stream())
    assert main([str(source), "-o", str(out)]) == 0
    assert frames(out) == (24000, b"".join(AUDIO_CHUNKS))


def test_output_format_from_the_suffix(hello: tuple[Path, str], tmp_path: Path) -> None:
    out = tmp_path / "hello.flac"
    assert main([str(hello[0]), "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"fLaC"


def test_a_stream_error_exits_non_zero(broken: tuple[Path, str], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(broken[0]), "-o", str(tmp_path / "x.wav")]) == 1
    assert f"incomplete: {broken[1]}" in capsys.readouterr().err


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


def test_without_output_it_says_the_audio_was_not_written(hello: tuple[Path, str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(hello[0])]) == 0
    assert "not written" in capsys.readouterr().err


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.sse"), "-o", str(tmp_path / "x.wav")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_unknown_output_suffix(hello: tuple[Path, str], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(hello[0]), "-o", str(tmp_path / "x.doc")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_through_python_dash_m(hello: tuple[Path, str], tmp_path: Path) -> None:
    out = tmp_path / "cli.wav"
    proc = subprocess.run(
        [sys.executable, "-m", "or_audio_widgets", "replay", str(hello[0]), "-o", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == hello[1] + "\n" and out.exists()
