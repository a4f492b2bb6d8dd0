"""WAV written to a pipe by common tools (placeholder sizes) is read to its end; a WAV file that really was
cut short is still reported as truncated."""

from __future__ import annotations

import base64
import io
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from or_audio_widgets.core._inputs import prepare_audio
from or_audio_widgets.core._wav import is_placeholder_size, split_wav
from or_audio_widgets.errors import AudioInputError

TOOLS = {
    "espeak-ng": lambda out: ["espeak-ng", *(["--stdout"] if out == "-" else ["-w", out]), "hello there"],
    "sox 16-bit": lambda out: ["sox", "-n", "-b", "16", "-t", "wav", out, "synth", "0.7", "sine", "440"],
    "sox float": lambda out: ["sox", "-n", "-t", "wav", out, "synth", "0.7", "sine", "440"],
    "ffmpeg": lambda out: ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=0.7", "-f", "wav",
                           "-y", out],
}


def written(tool: str, out: str) -> bytes:
    command = TOOLS[tool](out)
    assert shutil.which(command[0]), f"{command[0]} is needed (apt-get install espeak-ng sox ffmpeg)"
    done = subprocess.run(command, capture_output=True, timeout=30, check=True)
    return done.stdout if out == "-" else Path(out).read_bytes()


def data_size(wav: bytes) -> int:
    at = wav.index(b"data")
    return struct.unpack_from("<I", wav, at + 4)[0]


@pytest.mark.parametrize("tool", list(TOOLS))
def test_wav_written_to_a_pipe_is_read_to_the_end(tool: str, tmp_path: Path) -> None:
    piped = written(tool, "-")
    on_disk = written(tool, str(tmp_path / "take.wav"))  # the same sound, with true sizes
    assert is_placeholder_size(data_size(piped)) and not is_placeholder_size(data_size(on_disk))
    from_pipe, from_file = prepare_audio(piped), prepare_audio(on_disk)
    assert from_pipe.duration == pytest.approx(from_file.duration, abs=0.01)
    assert from_pipe.duration > 0.5
    sent = base64.b64decode(from_pipe.part["input_audio"]["data"])
    if from_pipe.format == "wav":  # sent with a header that says what is there
        info, body = split_wav(sent)
        assert data_size(sent) == len(body) == round(from_pipe.duration * info.sample_rate) * info.block_align


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_file_cut_short_is_still_truncated(tool: str, tmp_path: Path) -> None:
    whole = written(tool, str(tmp_path / "take.wav"))
    with pytest.raises(AudioInputError, match="truncated"):
        prepare_audio(whole[: len(whole) * 2 // 3])


def test_the_standard_librarys_reader_takes_what_is_sent() -> None:
    sent = base64.b64decode(prepare_audio(written("espeak-ng", "-")).part["input_audio"]["data"])
    with wave.open(io.BytesIO(sent)) as reader:
        assert reader.getnframes() > 0.5 * reader.getframerate()
