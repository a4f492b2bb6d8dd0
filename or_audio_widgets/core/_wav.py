"""PCM and WAV: headers, one parser of RIFF chunks, repair of streaming headers, sample widths.

Streamed WAV often carries placeholder sizes ("until the end": 0, 0xFFFFFFFF, or just under 2^31, which
espeak-ng and sox write to a pipe as 0x7FFFF000) and some servers send a whole header at the start of every
chunk; players then stop early or click. Here sizes are taken from the bytes actually present and repeated
headers are dropped. A file whose header promises a plausible size it does not hold is truncated, not
streamed: :func:`is_placeholder_size` tells the two apart. Pure: no I/O.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..errors import AudioFormatError

WAV_HEADER_SIZE = 44
_UNTIL_THE_END = (0x7FFFFFFF, 0xFFFFFFFF)
# sizes that writers which cannot seek back (pipes, crashed recorders) leave in place of the true one
PLACEHOLDER_SIZES = (0, *_UNTIL_THE_END)
# Writers to a pipe that round "the largest size" down to their buffer (espeak-ng, sox: 0x7FFFF000) stay
# within this of 2^31; a real recording that large (over 3 h of 48 kHz stereo pcm16) cut short is not
# worth mistaking a pipe's output for.
_NEAR_2GB = 0x7FFF0000


def is_placeholder_size(size: int) -> bool:
    """Whether a WAV size field means "until the end" (a writer that could not seek back), not a length."""
    return size in PLACEHOLDER_SIZES or size >= _NEAR_2GB
_PCM_FORMAT = 1
_FLOAT_FORMAT = 3
_EXTENSIBLE_FORMAT = 0xFFFE
# integer PCM, or an extensible header whose sub-format could not be read (taken as PCM)
_INTEGER_FORMATS = (_PCM_FORMAT, _EXTENSIBLE_FORMAT)

_UNSIGNED_TO_SIGNED = bytes(i ^ 0x80 for i in range(256))

Bytes = bytes | bytearray | memoryview


def wav_header(data_size: int, sample_rate: int = 24000, channels: int = 1, sample_width: int = 2) -> bytes:
    """The canonical 44-byte header of a PCM WAV file holding ``data_size`` bytes of samples."""
    block = channels * sample_width
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data_size, b"WAVE",
        b"fmt ", 16, _PCM_FORMAT, channels, sample_rate, sample_rate * block, block, sample_width * 8,
        b"data", data_size,
    )  # fmt: skip


def pcm_to_wav(pcm: Bytes, sample_rate: int = 24000, channels: int = 1, sample_width: int = 2) -> bytes:
    """A WAV file of headerless little-endian PCM (a trailing partial frame is dropped)."""
    usable = len(pcm) - len(pcm) % (channels * sample_width)
    view = memoryview(pcm)[:usable]
    return b"".join((wav_header(usable, sample_rate, channels, sample_width), view))


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What a WAV header says. ``data_size`` is what the header claims (maybe a placeholder);
    ``audio_format`` is the WAVE format tag, an extensible header's sub-format already resolved."""

    sample_rate: int
    channels: int
    sample_width: int
    data_offset: int
    data_size: int
    audio_format: int = _PCM_FORMAT
    bits: int = 16
    block_align: int = 0


Reader = Callable[[int, int], bytes]  # (offset, length) -> at most that many bytes from offset


def looks_like_wav(data: Bytes) -> bool:
    """True when ``data`` starts with a RIFF/WAVE signature."""
    head = bytes(data[:12])
    return len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def read_wav_info(read: Reader, total: int) -> WavInfo | None:
    """Walk the RIFF chunks of WAV data of ``total`` bytes (read through ``read``) up to its data chunk.

    None when the bytes end before the data chunk starts (more may come, or the file is truncated).
    Raises :class:`AudioFormatError` for data that is not WAV or whose header is malformed; the sample
    format is not judged here (float and compressed WAVE tags are reported in ``audio_format``).
    """
    head = read(0, 12)
    if total < 12:
        if not b"RIFF".startswith(head[:4]):
            raise AudioFormatError("not a WAV file: it does not start with 'RIFF'")
        return None
    if not looks_like_wav(head):
        raise AudioFormatError("not a WAV file: the RIFF/WAVE signature is missing")
    pos, fmt = 12, None
    while pos + 8 <= total:
        tag, size = struct.unpack("<4sI", read(pos, 8))
        body = pos + 8
        if tag == b"data":
            if fmt is None:
                raise AudioFormatError("not a valid WAV file: data comes before the format chunk")
            return replace(fmt, data_offset=body, data_size=size)
        if tag == b"fmt ":
            if size < 16:
                raise AudioFormatError("not a valid WAV file: its format chunk is cut short")
            if body + min(size, 40) > total:
                return None
            fmt = _parse_fmt(read(body, min(size, 40)))
        elif is_placeholder_size(size) and size:  # an empty chunk is fine; "until the end" hides the data
            raise AudioFormatError(f"not a valid WAV file: its {tag!r} chunk has no usable size")
        pos = body + size + (size & 1)  # RIFF chunks are padded to even sizes
    return None


def _parse_fmt(chunk: bytes) -> WavInfo:
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", chunk)
    if tag == _EXTENSIBLE_FORMAT and len(chunk) >= 26:
        (tag,) = struct.unpack_from("<H", chunk, 24)  # the first two bytes of the sub-format GUID
    if not (channels and rate and block_align):
        raise AudioFormatError(
            f"not a valid WAV file: it declares {channels} ch at {rate} Hz in {block_align}-byte frames"
        )
    return WavInfo(rate, channels, (bits + 7) // 8, 0, 0, tag, bits, block_align)


def parse_wav_header(data: Bytes) -> WavInfo | None:
    """Parse a WAV header at the start of ``data``; None if more bytes are needed to see it all.

    Raises :class:`AudioFormatError` for data that is not WAV, or WAV that is not integer PCM.
    """
    view = memoryview(data)
    info = read_wav_info(lambda offset, length: bytes(view[offset : offset + length]), len(view))
    if info is None or (info.audio_format in _INTEGER_FORMATS and info.bits in (8, 16, 24, 32)):
        return info
    raise AudioFormatError(f"WAV with sample format {info.audio_format}/{info.bits} bits is not integer PCM")


def split_wav(data: Bytes) -> tuple[WavInfo, memoryview]:
    """The header of a whole integer-PCM WAV file and a view of the sample bytes actually present.

    A placeholder data size (see :func:`is_placeholder_size`: what writers to a pipe leave) or one beyond
    the end means "up to the end"; a true size is kept (trailing chunks dropped) unless another
    header follows it (WAV files glued together).
    """
    info = parse_wav_header(data)
    if info is None:
        raise AudioFormatError("truncated WAV: the header is incomplete")
    body = memoryview(data)[info.data_offset :]
    declared = info.data_size
    if not is_placeholder_size(declared) and declared <= len(body) and not looks_like_wav(body[declared:]):
        body = body[:declared]
    return info, body


def repair_wav(data: Bytes) -> bytes:
    """A WAV file with RIFF and data sizes that match the bytes present, and embedded headers removed.

    Fixes the placeholder sizes of streamed WAV (0, 0x7FFFFFFF, 0xFFFFFFFF) and sizes beyond the end;
    the result is always a canonical 44-byte-header PCM WAV.
    """
    info, body = split_wav(data)
    pcm = strip_embedded_headers(body)
    return pcm_to_wav(pcm, info.sample_rate, info.channels, info.sample_width)


def wav_to_pcm16(data: Bytes) -> tuple[WavInfo, bytes]:
    """The header of a whole WAV file and its samples as pcm16 (8, 24 and 32-bit converted; a trailing
    partial frame and headers repeated inside the data dropped)."""
    info, body = split_wav(data)
    pcm = strip_embedded_headers(body)
    frame = info.sample_width * info.channels
    return info, to_pcm16(memoryview(pcm)[: len(pcm) - len(pcm) % frame], info.sample_width)


def strip_embedded_headers(pcm: Bytes) -> bytes:
    """Remove WAV headers that a server repeated inside the sample data (each 'RIFF....WAVEfmt ')."""
    raw = bytes(pcm)
    start = raw.find(b"RIFF")
    if start < 0:
        return raw
    parts, pos = [], 0
    while start >= 0:
        if raw[start + 8 : start + 16] == b"WAVEfmt ":
            try:
                info = parse_wav_header(raw[start:])
            except AudioFormatError:
                info = None
            if info is not None:
                parts.append(raw[pos:start])
                pos = start + info.data_offset
        start = raw.find(b"RIFF", max(start + 1, pos))
    parts.append(raw[pos:])
    return b"".join(parts)


def to_pcm16(pcm: Bytes, sample_width: int) -> bytes:
    """Little-endian samples of 1 (unsigned, as WAV stores 8-bit), 2, 3 or 4 bytes (signed) to signed
    16-bit, keeping the top bits of each; ``pcm`` must hold whole samples."""
    src = bytes(pcm)
    if sample_width == 2:
        return src
    if sample_width == 1:  # 8-bit WAV is unsigned: flip the sign bit, make it the high byte
        out = bytearray(2 * len(src))
        out[1::2] = src.translate(_UNSIGNED_TO_SIGNED)
        return bytes(out)
    if sample_width not in (3, 4):
        raise AudioFormatError(f"{sample_width * 8}-bit PCM is not supported; use 8, 16, 24 or 32-bit")
    out = bytearray(len(src) // sample_width * 2)
    out[0::2] = src[sample_width - 2 :: sample_width]
    out[1::2] = src[sample_width - 1 :: sample_width]
    return bytes(out)
