"""Encoding pcm16 to wav/mp3/flac/opus/ogg/aac: no ffmpeg for wav and pcm16, a clear error without it."""

from __future__ import annotations

import io
import math
import struct
import subprocess
import sys
import wave

import pytest

from or_audio_widgets.core import _ffmpeg, _formats, _transcode
from or_audio_widgets.errors import AudioFormatError, FFmpegNotFoundError


def tone(seconds: float = 0.5, rate: int = 24000, hz: float = 440.0) -> bytes:
    n = int(seconds * rate)
    return struct.pack(f"<{n}h", *(int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(n)))


PCM = tone()


def probe(data: bytes) -> dict[str, str]:
    """codec_name, sample_rate and channels of the first audio stream, read by ffprobe."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels",
         "-of", "default=noprint_wrappers=1", "-i", "pipe:0"],
        input=data, capture_output=True, check=True,
    ).stdout.decode()
    return dict(line.split("=", 1) for line in out.split())


@pytest.fixture
def no_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ffmpeg, "find_ffmpeg", lambda: None)


def test_mime_types() -> None:
    assert _formats.mime_type("wav") == "audio/wav"
    assert _formats.mime_type("MP3") == "audio/mpeg"
    assert _formats.mime_type("opus") == "audio/ogg"
    assert _formats.mime_type("flac") == "audio/flac"
    assert _formats.mime_type("nonsense") == "application/octet-stream"


@pytest.mark.parametrize(("name", "fmt"), [("a.WAV", "wav"), ("b.mp3", "mp3"), ("c.ogg", "ogg"),
                                           ("d.opus", "opus"), ("e.flac", "flac"), ("f.pcm", "pcm16")])
def test_format_from_suffix(name: str, fmt: str) -> None:
    assert _formats.format_from_suffix(name) == fmt


def test_unknown_suffix_is_refused() -> None:
    with pytest.raises(AudioFormatError, match=r"'\.xyz'"):
        _formats.format_from_suffix("out.xyz")
    with pytest.raises(AudioFormatError, match="no suffix"):
        _formats.format_from_suffix("out")


def test_wav_and_pcm16_need_no_ffmpeg(no_ffmpeg: None) -> None:
    wav = _transcode.encode_pcm(PCM, "wav", 24000, 1)
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getframerate(), w.readframes(w.getnframes())) == (24000, PCM)
    assert _transcode.encode_pcm(memoryview(PCM), "pcm16") == PCM
    segment = _transcode.to_segment(PCM, 24000, 1)
    assert (segment.frame_rate, segment.channels, len(segment)) == (24000, 1, 500)


@pytest.mark.parametrize(("fmt", "codec"), [("mp3", "mp3"), ("flac", "flac"), ("opus", "opus"),
                                            ("ogg", "vorbis"), ("aac", "aac")])
def test_compressed_formats_through_ffmpeg(fmt: str, codec: str) -> None:
    data = _transcode.encode_pcm(PCM, fmt, 24000, 1)
    info = probe(data)
    assert info["codec_name"] == codec
    assert info["channels"] == "1"


def test_a_mono_copy_at_a_given_bitrate() -> None:
    stereo = b"".join(PCM[i : i + 2] * 2 for i in range(0, len(PCM), 2))
    mp3 = _transcode.encode_pcm(stereo, "mp3", 24000, 2, mono=True, bitrate=32_000)
    assert probe(mp3)["channels"] == "1"
    assert probe(_transcode.encode_pcm(stereo, "mp3", 24000, 2))["channels"] == "2"


def test_flac_round_trip_is_lossless() -> None:
    flac = _transcode.encode_pcm(PCM, "flac", 24000, 1)
    assert _transcode.decode_native(flac, "flac") == (PCM, 24000, 1)


def test_compressed_audio_decodes_at_its_own_rate_and_channels() -> None:
    stereo = b"".join(PCM[i : i + 2] * 2 for i in range(0, len(PCM), 2))
    flac = _transcode.encode_pcm(stereo, "flac", 48000, 2)
    assert _transcode.decode_native(flac, "flac") == (stereo, 48000, 2)


def test_missing_ffmpeg_is_a_clear_error(no_ffmpeg: None) -> None:
    with pytest.raises(FFmpegNotFoundError) as info:
        _transcode.encode_pcm(PCM, "mp3")
    message = str(info.value)
    assert "ffmpeg" in message and "apt-get install ffmpeg" in message and "wav" in message
    with pytest.raises(FFmpegNotFoundError):
        _transcode.decode_native(b"ID3", "mp3")


def test_unknown_output_format() -> None:
    with pytest.raises(AudioFormatError, match="cannot encode audio as 'xyz'"):
        _transcode.encode_pcm(PCM, "xyz")


def test_pydub_is_pointed_at_our_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ffmpeg, "find_ffmpeg", lambda: "/opt/elsewhere/ffmpeg")
    pydub = _transcode.import_pydub()
    try:
        assert pydub.AudioSegment.converter == "/opt/elsewhere/ffmpeg"
    finally:
        monkeypatch.undo()
        _transcode.import_pydub()  # back to the real one for the tests that follow


def test_pydub_imports_quietly_in_a_fresh_interpreter() -> None:
    # pydub imports the deprecated audioop on Python 3.11/3.12; the package's one pydub import hides that
    code = ("from or_audio_widgets.core import _transcode\n"
            "assert len(_transcode.to_segment(b'\\0\\0' * 240)) == 10\n"
            "_transcode.import_pydub()\n")
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
