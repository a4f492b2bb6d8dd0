"""PCM and WAV: headers, repair of streaming headers, stripping of repeated headers, frame alignment.

Streamed WAV often carries placeholder sizes (0, 0x7FFFFFFF or 0xFFFFFFFF: "until the end") and some
servers send a whole header at the start of every chunk; players then stop early or click. Here sizes
are taken from the bytes actually present and repeated headers are dropped. Pure: no I/O.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from ._errors import AudioFormatError

WAV_HEADER_SIZE = 44
_PLACEHOLDER_SIZES = (0, 0x7FFFFFFF, 0xFFFFFFFF)
_PCM_FORMAT = 1
_FLOAT_FORMAT = 3
_EXTENSIBLE_FORMAT = 0xFFFE

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
    """What a WAV header says. ``data_size`` is what the header claims (maybe a placeholder)."""

    sample_rate: int
    channels: int
    sample_width: int
    data_offset: int
    data_size: int
    audio_format: int = _PCM_FORMAT


def looks_like_wav(data: Bytes) -> bool:
    """True when ``data`` starts with a RIFF/WAVE signature."""
    head = bytes(data[:12])
    return len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def parse_wav_header(data: Bytes) -> WavInfo | None:
    """Parse a WAV header at the start of ``data``; None if more bytes are needed to see it all.

    Raises :class:`AudioFormatError` for data that is not WAV, or WAV that is not integer PCM.
    """
    view = memoryview(data)
    if len(view) < 12:
        if not (b"RIFF" + b"\0" * 4 + b"WAVE").startswith(bytes(view[:4])):
            raise AudioFormatError("not a WAV file: it does not start with 'RIFF'")
        return None
    if not looks_like_wav(view):
        raise AudioFormatError("not a WAV file: the RIFF/WAVE signature is missing")
    pos, fmt = 12, None
    while pos + 8 <= len(view):
        tag = bytes(view[pos : pos + 4])
        (size,) = struct.unpack_from("<I", view, pos + 4)
        if tag == b"data":
            if fmt is None:
                raise AudioFormatError("WAV data chunk before its 'fmt ' chunk; the file is corrupt")
            return WavInfo(fmt[2], fmt[1], fmt[5] // 8, pos + 8, size, fmt[0])
        if tag == b"fmt ":
            if pos + 8 + 16 > len(view):
                return None
            fmt = struct.unpack_from("<HHIIHH", view, pos + 8)
            if fmt[0] not in (_PCM_FORMAT, _EXTENSIBLE_FORMAT) or fmt[5] not in (8, 16, 24, 32):
                raise AudioFormatError(f"WAV with sample format {fmt[0]}/{fmt[5]} bits is not integer PCM")
        if size in _PLACEHOLDER_SIZES and tag != b"data":
            raise AudioFormatError(f"WAV chunk {tag!r} has no usable size")
        pos += 8 + size + (size & 1)  # RIFF chunks are padded to even sizes
    return None


def repair_wav(data: Bytes) -> bytes:
    """A WAV file with RIFF and data sizes that match the bytes present, and embedded headers removed.

    Fixes the placeholder sizes of streamed WAV (0, 0x7FFFFFFF, 0xFFFFFFFF) and sizes beyond the end;
    the result is always a canonical 44-byte-header PCM WAV.
    """
    info = parse_wav_header(data)
    if info is None:
        raise AudioFormatError("truncated WAV: the header is incomplete")
    body = memoryview(data)[info.data_offset :]
    declared = info.data_size
    # a true size is kept (trailing chunks or junk dropped) unless another header follows it
    if declared not in _PLACEHOLDER_SIZES and declared <= len(body) and not looks_like_wav(body[declared:]):
        body = body[:declared]
    pcm = strip_embedded_headers(body)
    return pcm_to_wav(pcm, info.sample_rate, info.channels, info.sample_width)


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


class WavStream:
    """Read WAV that arrives in pieces (one piece per audio delta); ``feed`` returns the samples.

    The first header is parsed (and buffered until complete); a header repeated at the start of a later
    piece is dropped. Header sizes are ignored: every byte after the header is audio.
    """

    def __init__(self) -> None:
        self.info: WavInfo | None = None
        self._head = bytearray()

    def feed(self, piece: Bytes) -> bytes:
        """Samples carried by this piece (empty while the first header is incomplete)."""
        if self.info is None:
            self._head += piece
            info = parse_wav_header(self._head)
            if info is None:
                return b""
            self.info = info
            data = bytes(self._head[info.data_offset :])
            self._head = bytearray()
            return data
        if looks_like_wav(piece):
            again = parse_wav_header(piece)
            if again is not None:
                return bytes(piece[again.data_offset :])
        return bytes(piece)


class FrameAligner:
    """Pass on whole frames only, carrying a partial frame (say an odd byte of pcm16) to the next piece."""

    def __init__(self, frame_size: int = 2) -> None:
        self.frame_size = frame_size
        self._carry = b""

    @property
    def pending(self) -> bytes:
        """The bytes of an incomplete frame held back."""
        return self._carry

    def feed(self, piece: Bytes) -> bytes:
        """Whole frames completed by ``piece``."""
        data = self._carry + bytes(piece) if self._carry else bytes(piece)
        cut = len(data) - len(data) % self.frame_size
        self._carry = data[cut:]
        return data[:cut] if self._carry else data


def to_pcm16(pcm: Bytes, sample_width: int) -> bytes:
    """Signed little-endian samples of 2, 3 or 4 bytes to 16-bit (keeping the top two bytes of each);
    ``pcm`` must hold whole samples."""
    src = bytes(pcm)
    if sample_width == 2:
        return src
    if sample_width not in (3, 4):
        raise AudioFormatError(f"{sample_width * 8}-bit PCM is not supported; use 16, 24 or 32-bit")
    out = bytearray(len(src) // sample_width * 2)
    out[0::2] = src[sample_width - 2 :: sample_width]
    out[1::2] = src[sample_width - 1 :: sample_width]
    return bytes(out)


class PcmAssembler:
    """Collects one reply's audio as pcm16 in a single buffer, with room for a WAV header in front.

    ``wire_format`` is what arrives: "pcm16", "pcm24" or "wav" (headers parsed, repeated ones dropped).
    The buffer is an ``io.BytesIO`` because ``getvalue()`` hands over its internal bytes object without
    copying when nothing else refers to it: :meth:`finish` returns the whole WAV file at no extra memory.
    """

    def __init__(self, wire_format: str = "pcm16", sample_rate: int = 24000, channels: int = 1,
                 *, header: bool = True) -> None:
        self.wire_format = wire_format
        self.sample_rate = sample_rate
        self.channels = channels
        self._offset = WAV_HEADER_SIZE if header else 0
        self._buf = io.BytesIO(bytes(self._offset))
        self._buf.seek(self._offset)
        self._size = 0
        self._wav = WavStream() if wire_format == "wav" else None
        self._width = 3 if wire_format == "pcm24" else 2
        self._aligner = FrameAligner(3 * channels) if wire_format == "pcm24" else None

    @property
    def pcm_bytes(self) -> int:
        """Bytes of whole pcm16 frames so far."""
        return self._size - self._size % (2 * self.channels)

    def write(self, data: Bytes) -> None:
        """Add the decoded bytes of one audio delta."""
        if self._wav is not None:
            data = self._unwrap(data)
        if self._aligner is not None:
            data = to_pcm16(self._aligner.feed(data), self._width)
        self._size += len(data)
        self._buf.write(data)

    def _unwrap(self, data: Bytes) -> bytes:
        assert self._wav is not None
        try:
            pcm = self._wav.feed(data)
        except AudioFormatError:  # the server said wav but sends bare samples: take them as pcm16
            self._wav = None
            return bytes(data)
        info = self._wav.info
        if info is not None and self._aligner is None and info.sample_width != 2:
            self._width = info.sample_width
            self._aligner = FrameAligner(info.sample_width * info.channels)
        if info is not None:
            self.sample_rate, self.channels = info.sample_rate, info.channels
        return pcm

    def snapshot(self) -> bytes:
        """A copy of the audio so far: a WAV file if the assembler has a header slot, else pcm16."""
        size = self.pcm_bytes
        with self._buf.getbuffer() as view:
            body = view[self._offset : self._offset + size]
            head = self._header(size) if self._offset else b""
            return b"".join((head, body))

    def finish(self) -> tuple[bytes, int]:
        """The buffer (WAV header filled in, trailing partial frame dropped) and where the pcm starts.

        The assembler is spent afterwards.
        """
        size = self.pcm_bytes
        buf = self._buf
        buf.truncate(self._offset + size)
        if self._offset:
            buf.seek(0)
            buf.write(self._header(size))
        data = buf.getvalue()
        self._buf = io.BytesIO()
        return data, self._offset

    def _header(self, size: int) -> bytes:
        return wav_header(size, self.sample_rate, self.channels, 2)
