"""Assembling a reply's audio as it streams: pcm16, pcm24 or WAV pieces into one pcm16 buffer.

WAV pieces have their first header parsed and repeated ones dropped; a partial frame (an odd byte of
pcm16) is carried to the next piece. Pure: no I/O. Header parsing itself lives in ``_wav.py``.
"""

from __future__ import annotations

import io

from ..errors import AudioFormatError
from ._wav import WAV_HEADER_SIZE, Bytes, WavInfo, looks_like_wav, parse_wav_header, to_pcm16, wav_header


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
        """Add the decoded bytes of one audio delta; :class:`AudioFormatError` when a WAV header repeated
        in it is not integer PCM (its samples could not be read as such)."""
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
        except AudioFormatError:
            if self._wav.info is not None:  # a later header that cannot be read: the caller says so
                raise
            self._wav = None  # the server said wav but sends bare samples: take them as pcm16
            return bytes(data)
        info = self._wav.info
        if info is not None:
            self.sample_rate, self.channels = info.sample_rate, info.channels
            if self._aligner is None and info.sample_width != 2:
                self._width = info.sample_width
                self._aligner = FrameAligner(info.sample_width * info.channels)
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
