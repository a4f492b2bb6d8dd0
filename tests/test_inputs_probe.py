"""_probe: WAV header parsing, ffmpeg sample counting and conversion, on hand-built and ffmpeg-made files."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import pytest
from _audio_samples import make_audio

from or_audio_widgets.core._probe import Media, convert, ffmpeg_info, plain_wav, wav_header, wav_info
from or_audio_widgets.errors import AudioFormatError, AudioInputError


def info_of(data: bytes) -> tuple[float, int, int, str | None, int | None, int | None, bool]:
    found = wav_info(lambda offset, length: data[offset : offset + length], len(data), "x.wav")
    return (found.duration, found.sample_rate, found.channels, found.codec, found.data_offset,
            found.data_size, found.needs_header)


def chunk(name: bytes, body: bytes) -> bytes:
    return name + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def fmt_body(tag: int, channels: int, rate: int, bits: int) -> bytes:
    block = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_header_round_trips_through_the_wave_module() -> None:
    pcm = b"\x01\x02" * 8000
    with wave.open(io.BytesIO(wav_header(len(pcm), 8000, 2) + pcm)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth(), reader.getnframes()) == (
            8000, 2, 2, 4000)


def test_chunks_before_data_and_odd_padding_are_skipped() -> None:
    fmt = chunk(b"fmt ", fmt_body(1, 1, 16000, 16))
    data = riff(fmt, chunk(b"LIST", b"INFOabc"), chunk(b"data", b"\0" * 32000))
    assert info_of(data) == (1.0, 16000, 1, "pcm_16", 12 + 24 + 16 + 8, 32000, False)


def test_extensible_format_reads_the_sub_format() -> None:
    body = fmt_body(0xFFFE, 2, 48000, 24) + struct.pack("<HHI", 22, 24, 3) + struct.pack("<H", 1) + b"\0" * 14
    data = riff(chunk(b"fmt ", body), chunk(b"data", b"\0" * 6 * 4800))
    duration, rate, channels, codec, *_ = info_of(data)
    assert (duration, rate, channels, codec) == (0.1, 48000, 2, "pcm_24")


def test_float_and_compressed_wav_codecs() -> None:
    float_wav = riff(chunk(b"fmt ", fmt_body(3, 1, 8000, 32)), chunk(b"data", b"\0" * 32000))
    adpcm_wav = riff(chunk(b"fmt ", fmt_body(2, 1, 8000, 4)[:12] + struct.pack("<HH", 256, 4)),
                     chunk(b"data", b"\0" * 256))
    assert info_of(float_wav)[3] == "float"
    assert info_of(adpcm_wav)[3] == "wave-tag-0x0002"


def test_plain_wav() -> None:
    data = riff(chunk(b"fmt ", fmt_body(1, 1, 8000, 16)), chunk(b"data", b"\0" * 16))
    found = wav_info(lambda offset, length: data[offset : offset + length], len(data), "x.wav")
    assert plain_wav(found)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (riff(chunk(b"data", b"\0" * 16), chunk(b"fmt ", fmt_body(1, 1, 8000, 16))), "data comes before"),
        (riff(chunk(b"fmt ", fmt_body(1, 0, 8000, 16)), chunk(b"data", b"\0" * 16)), "declares 0 ch"),
        (riff(chunk(b"fmt ", b"\x01\x00")), "format chunk is cut short"),
        (riff(chunk(b"fmt ", fmt_body(1, 1, 8000, 16))), "no audio data chunk"),
    ],
)
def test_malformed_headers(data: bytes, message: str) -> None:
    with pytest.raises(AudioInputError, match=message):
        info_of(data)


def test_placeholder_size_uses_what_is_there_in_whole_frames() -> None:
    data = wav_header(0, 8000, 2)[:40] + b"\xff\xff\xff\xff" + b"\0" * 4003
    assert info_of(data)[5:] == (4000, True)


def test_ffmpeg_counts_samples_exactly(tmp_path: Path) -> None:
    path = make_audio(tmp_path, "flac", seconds=1.5, rate=44100, channels=2)
    found = ffmpeg_info(Media("tone.flac", path=path))
    assert (found.duration, found.sample_rate, found.channels) == (1.5, 44100, 2)
    same = ffmpeg_info(Media("bytes", data=path.read_bytes(), format="flac"))
    assert (same.duration, same.sample_rate, same.channels) == (1.5, 44100, 2)


def test_ffmpeg_refuses_what_is_not_audio() -> None:
    with pytest.raises(AudioInputError, match=r"notes\.txt"):
        ffmpeg_info(Media("notes.txt", data=b"just some text, no audio in here" * 50))


def test_convert_to_wav_and_unknown_target(tmp_path: Path) -> None:
    path = make_audio(tmp_path, "ogg", seconds=1.0, rate=22050, channels=2)
    wav = convert(Media("tone.ogg", path=path, format="ogg"), "wav", sample_rate=16000, channels=1)
    with wave.open(io.BytesIO(wav)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getnframes()) == (16000, 1, 16000)
    with pytest.raises(AudioFormatError, match="cannot produce 'opus' audio"):
        convert(Media("tone.ogg", path=path), "opus", sample_rate=None, channels=None)
