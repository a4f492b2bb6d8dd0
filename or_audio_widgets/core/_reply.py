"""A streamed reply reassembled: ``AudioReply`` is the result, built by :class:`ReplyBuilder`.

The audio is held once. pcm16 deltas are written into one buffer that starts with room for a WAV header;
``build()`` fills the header in and hands the buffer over without a copy, so ``AudioReply.audio`` is the WAV
file and ``AudioReply.pcm`` a read-only view of the samples inside it. ``ReplyBuilder`` lives in
``_builder.py`` and is importable from here too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import _transcode
from ._atomic import write_atomic
from ._builder import ReplyBuilder
from ._events import Event, iter_events
from ._wav import WAV_HEADER_SIZE, pcm_to_wav, wav_header, wav_to_pcm16

__all__ = ["AudioReply", "ReplyBuilder"]
_READ_SIZE = 1 << 16


class AudioReply:
    """A whole reply: words, audio, usage, and whether it arrived complete.

    ``audio`` is the file in ``format`` (bytes; compressed formats are encoded on first access, which
    needs ffmpeg). ``pcm`` is the raw pcm16 little-endian samples as a read-only ``memoryview`` (no
    copy; ``bytes(reply.pcm)`` makes one). ``reasoning`` is the model's thinking when it streamed any
    (kept apart from ``transcript`` and ``text``, the reply itself). ``complete`` is False when the
    stream broke, was cancelled or reported an error; ``error`` then says what happened and
    ``error_kind`` how ("api", "protocol", "connection", "cancelled", "timeout").
    """

    def __init__(  # one keyword per field, so that replies can also be built by hand
        self, *, pcm: bytes | bytearray | memoryview = b"", sample_rate: int = 24000, channels: int = 1,
        format: str = "wav", audio: bytes | None = None, transcript: str = "", text: str = "",
        reasoning: str = "", usage: dict[str, Any] | None = None, cost: float | None = None,
        model: str | None = None, id: str | None = None, provider: str | None = None, complete: bool = True,
        error: str | None = None,
        error_code: int | str | None = None, error_kind: str | None = None, finish_reason: str | None = None,
        _buffer: tuple[bytes, int] | None = None,
    ) -> None:
        self.format = format.lower()
        self.sample_rate, self.channels = sample_rate, channels
        self.transcript, self.text, self.reasoning = transcript, text, reasoning
        self.usage, self.cost = usage, cost
        self.model, self.id, self.provider = model, id, provider
        self.complete, self.error, self.error_code = complete, error, error_code
        self.error_kind, self.finish_reason = error_kind, finish_reason
        # _owner holds the samples at _offset: a whole WAV file (offset 44) or bare pcm16 (offset 0).
        self._owner: bytes | None
        self._owner, self._offset = _buffer if _buffer is not None else (bytes(pcm), 0)
        self._encoded = audio  # the audio in self.format when that is not wav/pcm16
        if audio is not None and not pcm and _buffer is None:
            if self.format == "wav":  # any integer-PCM WAV, held as a canonical pcm16 one
                info, samples = wav_to_pcm16(audio)
                self.sample_rate, self.channels = info.sample_rate, info.channels
                self._owner = pcm_to_wav(samples, info.sample_rate, info.channels)
                self._offset, self._encoded = WAV_HEADER_SIZE, None
            elif self.format == "pcm16":
                self._owner, self._encoded = bytes(audio), None
            else:
                self._owner = None  # samples are decoded from `audio` when first needed

    # --- the audio ---------------------------------------------------------------------------------------

    @property
    def pcm(self) -> memoryview:
        """The pcm16 samples (read-only view). Decoding a compressed-only reply needs ffmpeg."""
        if self._owner is None:
            assert self._encoded is not None
            self._owner = _transcode.decode_to_pcm16(self._encoded, self.format, self.sample_rate,
                                                     self.channels)
            self._offset = 0
        return memoryview(self._owner)[self._offset :]

    @property
    def audio(self) -> bytes:
        """The audio file in ``format`` (wav, pcm16, mp3, ...)."""
        if self.format == "wav":
            if self._owner is None or self._offset != WAV_HEADER_SIZE:
                self._owner = pcm_to_wav(self.pcm, self.sample_rate, self.channels)
                self._offset = WAV_HEADER_SIZE
            return self._owner
        if self.format == "pcm16":
            if self._owner is None or self._offset:
                return bytes(self.pcm)
            return self._owner
        if self._encoded is None:
            self._encoded = _transcode.encode_pcm(self.pcm, self.format, self.sample_rate, self.channels)
        return self._encoded

    @property
    def mime_type(self) -> str:
        """MIME type of :attr:`audio`."""
        return _transcode.mime_type(self.format)

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return len(self.pcm) / (2 * self.channels * self.sample_rate) if self.sample_rate else 0.0

    @property
    def words(self) -> str:
        """What was said: the transcript of a spoken reply, else the text of a text reply."""
        return self.transcript or self.text

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the audio to ``path`` in the format its suffix names (or ``format``); returns the path.

        The file is replaced only once the new one is whole: if encoding fails (no ffmpeg, a full disk),
        an existing file at ``path`` is left as it was.
        """
        target = Path(path)
        fmt = (format or _transcode.format_from_suffix(target)).lower()

        def write(out: IO[bytes]) -> None:
            if fmt == self.format:
                out.write(self.audio)
            elif fmt == "wav":
                pcm = self.pcm
                out.write(wav_header(len(pcm), self.sample_rate, self.channels))
                out.write(pcm)
            elif fmt == "pcm16":
                out.write(self.pcm)
            else:
                out.write(_transcode.encode_pcm(self.pcm, fmt, self.sample_rate, self.channels))

        return write_atomic(target, write)

    def to_segment(self) -> Any:
        """The audio as a pydub ``AudioSegment``."""
        return _transcode.to_segment(self.pcm, self.sample_rate, self.channels)

    def _repr_html_(self) -> str:
        from ._html import render_reply

        return render_reply(self)

    def __repr__(self) -> str:
        words = self.words if len(self.words) <= 60 else self.words[:57] + "..."
        state = "complete" if self.complete else f"incomplete: {self.error}"
        seconds = f"{self.duration:.2f}s" if self._owner is not None else "encoded"
        return f"<AudioReply {self.format} {seconds} {words!r} ({state})>"

    # --- building ----------------------------------------------------------------------------------------

    @classmethod
    def from_events(cls, events: Iterable[Event], **builder_kwargs: Any) -> AudioReply:
        """Assemble a reply from events; an OSError raised while reading them ends it incomplete."""
        builder = ReplyBuilder(**builder_kwargs)
        try:
            for event in events:
                builder.feed(event)
        except OSError as exc:  # a dropped connection or unreadable file: keep what arrived
            builder.fail(f"reading the stream failed: {exc}", kind="connection")
        return builder.build()

    @classmethod
    def from_sse(cls, source: Iterable[bytes] | IO[bytes] | bytes | str | os.PathLike[str],
                 sample_rate: int = 24000, format: str = "wav", **builder_kwargs: Any) -> AudioReply:
        """Assemble a reply from a raw SSE body: byte chunks, a binary file object, a streamed
        ``requests.Response``, bytes or a path."""
        if isinstance(source, (str, os.PathLike)):  # opened here, so a missing file raises OSError
            with open(source, "rb") as file:
                return cls.from_sse(file, sample_rate, format, **builder_kwargs)
        events = iter_events(_chunks_of(source))
        return cls.from_events(events, sample_rate=sample_rate, format=format, **builder_kwargs)


def _chunks_of(source: Iterable[bytes] | IO[bytes] | bytes) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif hasattr(source, "read"):
        reader: IO[bytes] = source  # type: ignore[assignment]
        yield from iter(lambda: reader.read(_READ_SIZE), b"")
    elif hasattr(source, "iter_content"):  # a requests.Response; iterating it reads 128 bytes a time
        yield from source.iter_content(chunk_size=None)
    else:
        yield from source
