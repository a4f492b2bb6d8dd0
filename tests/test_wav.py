"""WAV headers, repair of streaming placeholders, repeated headers, frame alignment, the assembler."""

from __future__ import annotations

import io
import struct
import wave

import pytest

from or_audio_widgets.core._wav import (
    WAV_HEADER_SIZE,
    looks_like_wav,
    parse_wav_header,
    pcm_to_wav,
    repair_wav,
    strip_embedded_headers,
    to_pcm16,
    wav_header,
    wav_to_pcm16,
)
from or_audio_widgets.errors import AudioFormatError

PCM = bytes(range(256)) * 30  # 7,680 bytes = 3,840 samples


def read_wav(data: bytes) -> tuple[int, int, int, bytes]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())


def with_sizes(wav: bytes, riff: int, data: int) -> bytes:
    out = bytearray(wav)
    struct.pack_into("<I", out, 4, riff)
    struct.pack_into("<I", out, 40, data)
    return bytes(out)


def test_pcm_to_wav_is_read_back_by_the_wave_module() -> None:
    assert read_wav(pcm_to_wav(PCM)) == (24000, 1, 2, PCM)
    assert read_wav(pcm_to_wav(PCM, 16000, 2)) == (16000, 2, 2, PCM)


def test_pcm_to_wav_drops_a_partial_frame() -> None:
    assert read_wav(pcm_to_wav(PCM + b"\x01", 24000, 1))[3] == PCM
    assert len(pcm_to_wav(b"\x01\x02\x03\x04\x05\x06", 8000, 2)) == WAV_HEADER_SIZE + 4


def test_header_fields() -> None:
    info = parse_wav_header(wav_header(100, 48000, 2, 3))
    assert info is not None
    assert (info.sample_rate, info.channels, info.sample_width, info.data_offset, info.data_size) == (
        48000, 2, 3, 44, 100,
    )  # fmt: skip


def test_incomplete_header_asks_for_more() -> None:
    header = wav_header(10)
    for n in (0, 3, 11, 20, 43):
        assert parse_wav_header(header[:n]) is None
    assert parse_wav_header(header) is not None


def test_not_wav_is_refused() -> None:
    with pytest.raises(AudioFormatError, match="not a WAV"):
        parse_wav_header(b"ID3\x04" + bytes(40))
    with pytest.raises(AudioFormatError, match="not a WAV"):
        parse_wav_header(b"OggS")
    assert not looks_like_wav(b"RIFF")


def test_float_wav_is_refused() -> None:
    header = bytearray(wav_header(8))
    struct.pack_into("<H", header, 20, 3)  # WAVE_FORMAT_IEEE_FLOAT
    with pytest.raises(AudioFormatError, match="not integer PCM"):
        parse_wav_header(bytes(header))


def test_header_with_extra_chunks() -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16)
    body = b"RIFF\0\0\0\0WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"LIST\x03\0\0\0abc\0"
    body += b"data" + struct.pack("<I", len(PCM)) + PCM
    assert read_wav(repair_wav(body)) == (22050, 1, 2, PCM)


@pytest.mark.parametrize("placeholder", [0, 0x7FFFFFFF, 0xFFFFFFFF])
def test_placeholder_sizes_are_repaired(placeholder: int) -> None:
    broken = with_sizes(pcm_to_wav(PCM), placeholder, placeholder)
    fixed = repair_wav(broken)
    assert read_wav(fixed) == (24000, 1, 2, PCM)
    assert struct.unpack_from("<I", fixed, 4)[0] == len(fixed) - 8


def test_size_beyond_the_end_is_repaired_and_a_short_size_is_respected() -> None:
    assert read_wav(repair_wav(with_sizes(pcm_to_wav(PCM), 36 + 10**6, 10**6)))[3] == PCM
    assert read_wav(repair_wav(with_sizes(pcm_to_wav(PCM) + b"junk", 36 + len(PCM), len(PCM))))[3] == PCM


def test_headers_repeated_inside_the_data_are_stripped() -> None:
    pieces = [PCM[:1000], PCM[1000:5000], PCM[5000:]]
    glued = b"".join(pcm_to_wav(p) for p in pieces)
    assert read_wav(repair_wav(glued))[3] == PCM
    assert strip_embedded_headers(b"RIFFxx" + PCM) == b"RIFFxx" + PCM  # not a header: kept


def test_to_pcm16_keeps_the_top_bytes() -> None:
    assert to_pcm16(b"\x11\x22\x33\xaa\xbb\xcc", 3) == b"\x22\x33\xbb\xcc"
    assert to_pcm16(b"\x00\x11\x22\x33", 4) == b"\x22\x33"
    assert to_pcm16(b"\x01\x02", 2) == b"\x01\x02"
    assert to_pcm16(b"\x80\x00\xff\x7f", 1) == b"\x00\x00\x00\x80\x00\x7f\x00\xff"  # 8-bit is unsigned
    with pytest.raises(AudioFormatError):
        to_pcm16(b"\x01\x02\x03\x04\x05", 5)


def fmt_chunk(tag: int, channels: int, rate: int, bits: int, sub_format: int | None = None) -> bytes:
    block = channels * bits // 8
    body = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    if sub_format is not None:  # WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, mask, GUID
        body += struct.pack("<HHIH", 22, bits, 0, sub_format) + bytes(14)
    return b"fmt " + struct.pack("<I", len(body)) + body


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_extensible_headers_are_judged_by_their_sub_format() -> None:
    pcm24 = riff(fmt_chunk(0xFFFE, 1, 8000, 24, sub_format=1), b"data" + struct.pack("<I", 6) + bytes(6))
    info = parse_wav_header(pcm24)
    assert info is not None and (info.audio_format, info.sample_width, info.data_offset) == (1, 3, 68)
    as_float = riff(fmt_chunk(0xFFFE, 1, 8000, 32, sub_format=3), b"data" + struct.pack("<I", 4) + bytes(4))
    with pytest.raises(AudioFormatError, match="not integer PCM"):
        parse_wav_header(as_float)


@pytest.mark.parametrize(("channels", "rate"), [(0, 8000), (1, 0)])
def test_a_header_without_channels_or_rate_is_refused(channels: int, rate: int) -> None:
    with pytest.raises(AudioFormatError, match="declares"):
        parse_wav_header(riff(fmt_chunk(1, channels, rate, 16), b"data\0\0\0\0"))


def test_chunks_sized_until_the_end_before_the_data_are_refused_but_empty_ones_skipped() -> None:
    fmt = fmt_chunk(1, 1, 8000, 16)
    with pytest.raises(AudioFormatError, match="no usable size"):
        parse_wav_header(riff(fmt, b"LIST\xff\xff\xff\xff", b"data\0\0\0\0"))
    info = parse_wav_header(riff(fmt, b"LIST\0\0\0\0", b"data\0\0\0\0"))
    assert info is not None and info.data_offset == 12 + 24 + 8 + 8


@pytest.mark.parametrize("bits", [8, 24, 32])
def test_wav_to_pcm16_converts_other_widths(bits: int) -> None:
    width = bits // 8
    samples = [-32768, -1, 0, 1, 32767]
    if width == 1:
        raw = bytes((s >> 8) + 128 for s in samples)
    else:
        raw = b"".join(bytes(width - 2) + struct.pack("<h", s) for s in samples)
    wav = riff(fmt_chunk(1, 1, 8000, bits), b"data" + struct.pack("<I", len(raw)) + raw)
    info, pcm = wav_to_pcm16(wav)
    expected = [s & ~0xFF for s in samples] if width == 1 else samples
    assert (info.sample_rate, list(struct.unpack(f"<{len(samples)}h", pcm))) == (8000, expected)
