"""The parts an :class:`~._reply.AudioReply` is made of: its audio, where it came from, how it ended.

Each knows nothing of the reply or of streams, so both the reply and the code that accumulates a stream
(``_accumulator``) can build them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import AudioFormatError
from . import _transcode
from ._formats import mime_type
from ._wav import WAV_HEADER_SIZE, pcm_to_wav, wav_to_pcm16


@dataclass(frozen=True)
class ReplyOrigin:
    """Who answered and what it cost: the model, the generation id, the provider, usage and cost."""

    model: str | None = None
    id: str | None = None
    provider: str | None = None
    usage: dict[str, Any] | None = None
    cost: float | None = None


@dataclass(frozen=True)
class ReplyOutcome:
    """How the stream ended: ``complete`` is False when it broke, was cancelled or reported an error;
    ``error`` then says what happened, ``error_code`` the server's code and ``error_kind`` how ("api",
    "protocol", "connection", "cancelled", "timeout")."""

    complete: bool = True
    error: str | None = None
    error_code: int | str | None = None
    error_kind: str | None = None
    finish_reason: str | None = None


class ReplyAudio:
    """A reply's audio, held once: pcm16 samples (inside a WAV file or bare), or a compressed file.

    The samples of a compressed-only reply are decoded on first use at the file's own rate and channel
    count (``sample_rate`` and ``channels`` then become the decoded ones), and a compressed format is
    encoded from the samples on first use; both need ffmpeg. ``problem`` says why bytes that are no
    audio this package reads (format ``"bin"``) cannot give samples; ``audio`` still holds them.
    """

    def __init__(self, format: str = "wav", sample_rate: int = 24000, channels: int = 1, *,
                 held: bytes | None = b"", offset: int = 0, encoded: bytes | None = None,
                 problem: str | None = None) -> None:
        self.format = format.lower()
        self.sample_rate, self.channels = sample_rate, channels
        # _held holds the samples at _offset: a whole WAV file (offset 44) or bare pcm16 (offset 0);
        # None when only the compressed file in _encoded is known.
        self._held, self._offset, self._encoded = held, offset, encoded
        self.problem = problem

    @classmethod
    def from_pcm(cls, pcm: bytes | bytearray | memoryview, sample_rate: int = 24000, channels: int = 1,
                 format: str = "wav") -> ReplyAudio:
        """pcm16 samples, to be given in ``format``."""
        return cls(format, sample_rate, channels, held=bytes(pcm))

    @classmethod
    def from_file(cls, audio: bytes, format: str, sample_rate: int = 24000, channels: int = 1) -> ReplyAudio:
        """An audio file in ``format``: any integer-PCM WAV (held as a canonical pcm16 one), bare pcm16,
        or a compressed file (its rate and channels are those given until it is decoded)."""
        fmt = format.lower()
        if fmt == "wav":
            info, samples = wav_to_pcm16(audio)
            whole = pcm_to_wav(samples, info.sample_rate, info.channels)
            return cls(fmt, info.sample_rate, info.channels, held=whole, offset=WAV_HEADER_SIZE)
        if fmt == "pcm16":
            return cls(fmt, sample_rate, channels, held=bytes(audio))
        return cls(fmt, sample_rate, channels, held=None, encoded=audio)

    def __repr__(self) -> str:  # never the bytes
        held = f"{self.duration:.2f} s" if self.decoded else f"{len(self._encoded or b'')} bytes encoded"
        return f"<ReplyAudio {self.format} {self.sample_rate} Hz {self.channels} ch, {held}>"

    @property
    def decoded(self) -> bool:
        """Whether the samples are at hand (False for a compressed file not decoded yet)."""
        return self._held is not None

    @property
    def pcm(self) -> memoryview:
        """The pcm16 samples (read-only view). Decoding a compressed-only reply needs ffmpeg."""
        if self._held is None:
            assert self._encoded is not None
            if self.problem is not None:
                raise AudioFormatError(self.problem)
            pcm, self.sample_rate, self.channels = _transcode.decode_native(self._encoded, self.format)
            self._held, self._offset = pcm, 0
        return memoryview(self._held).toreadonly()[self._offset :]

    @property
    def audio(self) -> bytes:
        """The audio file in ``format`` (wav, pcm16, mp3, ...)."""
        if self.format == "wav":
            if self._held is None or self._offset != WAV_HEADER_SIZE:
                self._held = pcm_to_wav(self.pcm, self.sample_rate, self.channels)
                self._offset = WAV_HEADER_SIZE
            return self._held
        if self.format == "pcm16":
            if self._held is None or self._offset:
                return bytes(self.pcm)
            return self._held
        if self._encoded is None:
            self._encoded = _transcode.encode_pcm(self.pcm, self.format, self.sample_rate, self.channels)
        return self._encoded

    @property
    def mime_type(self) -> str:
        """MIME type of :attr:`audio`."""
        return mime_type(self.format)

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        size = len(self.pcm)  # first: decoding a compressed file sets its rate and channels
        return size / (2 * self.channels * self.sample_rate) if self.sample_rate else 0.0
