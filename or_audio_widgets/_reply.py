"""A streamed reply reassembled: ``ReplyBuilder`` consumes events, ``AudioReply`` is the result.

The audio is held once. pcm16 deltas are written into one buffer that starts with room for a WAV header;
``build()`` fills the header in and hands the buffer over without a copy, so ``AudioReply.audio`` is the WAV
file and ``AudioReply.pcm`` a read-only view of the samples inside it.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import _transcode
from ._errors import AudioFormatError, AudioInputError, FFmpegNotFoundError
from ._events import (
    AudioDelta,
    End,
    ErrorEvent,
    Event,
    Started,
    TextDelta,
    TranscriptDelta,
    Usage,
    iter_events,
)
from ._wav import WAV_HEADER_SIZE, PcmAssembler, parse_wav_header, pcm_to_wav, repair_wav, wav_header

OUTPUT_FORMATS = frozenset({"wav", "pcm16", "mp3", "flac", "opus", "ogg", "aac"})
WIRE_FORMATS = frozenset({"pcm16", "pcm24", "wav", "mp3", "flac", "opus", "ogg", "aac"})
_READ_SIZE = 1 << 16


class AudioReply:
    """A whole reply: words, audio, usage, and whether it arrived complete.

    ``audio`` is the file in ``format`` (bytes; compressed formats are encoded on first access, which
    needs ffmpeg). ``pcm`` is the raw pcm16 little-endian samples as a read-only ``memoryview`` (no
    copy; ``bytes(reply.pcm)`` makes one). ``complete`` is False when the stream broke, was cancelled
    or reported an error; ``error`` then says what happened and ``error_kind`` how ("api", "protocol",
    "connection", "cancelled", "timeout").
    """

    def __init__(  # one keyword per field, so that replies can also be built by hand
        self, *, pcm: bytes | bytearray | memoryview = b"", sample_rate: int = 24000, channels: int = 1,
        format: str = "wav", audio: bytes | None = None, transcript: str = "", text: str = "",
        usage: dict[str, Any] | None = None, cost: float | None = None, model: str | None = None,
        id: str | None = None, provider: str | None = None, complete: bool = True, error: str | None = None,
        error_code: int | str | None = None, error_kind: str | None = None, finish_reason: str | None = None,
        _buffer: tuple[bytes, int] | None = None,
    ) -> None:
        self.format = format.lower()
        self.sample_rate, self.channels = sample_rate, channels
        self.transcript, self.text = transcript, text
        self.usage, self.cost = usage, cost
        self.model, self.id, self.provider = model, id, provider
        self.complete, self.error, self.error_code = complete, error, error_code
        self.error_kind, self.finish_reason = error_kind, finish_reason
        # _owner holds the samples at _offset: a whole WAV file (offset 44) or bare pcm16 (offset 0).
        self._owner: bytes | None
        self._owner, self._offset = _buffer if _buffer is not None else (bytes(pcm), 0)
        self._encoded = audio  # the audio in self.format when that is not wav/pcm16
        if audio is not None and not pcm and _buffer is None:
            if self.format == "wav":
                info = parse_wav_header(audio)
                if info is not None:
                    self.sample_rate, self.channels = info.sample_rate, info.channels
                self._owner, self._offset, self._encoded = repair_wav(audio), WAV_HEADER_SIZE, None
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
        """Write the audio to ``path`` in the format its suffix names (or ``format``); returns the path."""
        target = Path(path)
        fmt = (format or _transcode.format_from_suffix(target)).lower()
        with open(target, "wb") as out:
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
        return target

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


class ReplyBuilder:
    """Feed it the events of one stream; ``build()`` gives the :class:`AudioReply`.

    ``format`` is the audio format the reply should have, ``wire_format`` what the server streams.
    Thread-safe enough for one feeding thread and others calling ``snapshot()`` or the properties.
    """

    def __init__(self, *, format: str = "wav", wire_format: str = "pcm16", sample_rate: int = 24000,
                 channels: int = 1, model: str | None = None) -> None:
        format, wire_format = format.lower(), wire_format.lower()
        if format not in OUTPUT_FORMATS:
            raise AudioFormatError(f"unknown reply format {format!r}; use one of {sorted(OUTPUT_FORMATS)}")
        if wire_format not in WIRE_FORMATS:
            raise AudioFormatError(f"unknown wire format {wire_format!r}; use one of {sorted(WIRE_FORMATS)}")
        self.format, self.wire_format = format, wire_format
        self._pcm: PcmAssembler | None = None
        self._encoded: io.BytesIO | None = None
        if wire_format in _transcode.COMPRESSED_FORMATS:
            self._encoded = io.BytesIO()
        else:
            self._pcm = PcmAssembler(wire_format, sample_rate, channels, header=format != "pcm16")
        self._sample_rate, self._channels = sample_rate, channels
        self._lock = threading.Lock()
        self._transcript: list[str] = []
        self._text: list[str] = []
        self._meta: dict[str, Any] = {"model": model, "id": None, "provider": None, "usage": None,
                                      "cost": None, "finish_reason": None}
        self._error: tuple[str, int | str | None, str] | None = None
        self._ended = self._done = False
        self._built: AudioReply | None = None

    def feed(self, event: Event) -> None:
        """Take one event. Events arriving after ``build()`` are ignored (the reply is final)."""
        if self._built is not None:
            return
        if isinstance(event, AudioDelta):
            with self._lock:
                if self._pcm is not None:
                    self._pcm.write(event.data)
                elif self._encoded is not None:
                    self._encoded.write(event.data)
        elif isinstance(event, TranscriptDelta):
            self._transcript.append(event.text)
        elif isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, Started):
            self._meta.update(id=event.id, provider=event.provider)
            self._meta["model"] = event.model or self._meta["model"]
        elif isinstance(event, Usage):
            self._meta.update(usage=event.usage, cost=event.cost)
        elif isinstance(event, ErrorEvent):
            self._record_error(event.message, event.code, event.kind)
        elif isinstance(event, End):
            self._ended, self._done = True, event.done
            self._meta["finish_reason"] = event.finish_reason

    def fail(self, message: str, kind: str = "error") -> None:
        """Mark the reply incomplete (e.g. ``"cancelled"``), keeping everything received so far."""
        if self._built is None:
            self._record_error(message, None, kind)

    def _record_error(self, message: str, code: int | str | None, kind: str) -> None:
        if self._error is None:  # the first error is the cause; later ones are its consequences
            self._error = (message, code, kind)

    @property
    def transcript(self) -> str:
        """The transcript so far."""
        return "".join(self._transcript)

    @property
    def text(self) -> str:
        """The text so far."""
        return "".join(self._text)

    @property
    def pcm_bytes(self) -> int:
        """Bytes of pcm16 audio so far (0 for compressed wire formats until built)."""
        return self._pcm.pcm_bytes if self._pcm is not None else 0

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio so far."""
        if self._pcm is None:
            return 0.0
        return self._pcm.pcm_bytes / (2 * self._pcm.channels * self._pcm.sample_rate)

    def snapshot(self) -> AudioReply:
        """The reply so far (a copy of the audio; the stream may go on). After build(), the built reply."""
        if self._built is not None:
            return self._built
        with self._lock:
            if self._pcm is not None:
                buffer = (self._pcm.snapshot(), WAV_HEADER_SIZE if self.format != "pcm16" else 0)
                return self._reply(buffer, None, final=False)
            assert self._encoded is not None
            return self._reply(None, self._encoded.getvalue(), final=False)

    def build(self) -> AudioReply:
        """The final reply; the audio buffer is handed over without a copy. Later calls return it again."""
        with self._lock:
            if self._built is None:
                if not self._ended:
                    self._record_error("the stream stopped before its end", None, "protocol")
                elif not self._done:
                    self._record_error("the stream ended without 'data: [DONE]'", None, "protocol")
                if self._pcm is not None:
                    self._built = self._reply(self._pcm.finish(), None, final=True)
                else:
                    assert self._encoded is not None
                    self._built = self._reply(None, self._encoded.getvalue(), final=True)
            return self._built

    def _reply(self, buffer: tuple[bytes, int] | None, encoded: bytes | None, *, final: bool) -> AudioReply:
        rate = self._pcm.sample_rate if self._pcm is not None else self._sample_rate
        channels = self._pcm.channels if self._pcm is not None else self._channels
        fmt = self.format
        if encoded is not None and fmt != self.wire_format:
            buffer, encoded, fmt = self._convert_wire(encoded, rate, channels)
        error = self._error
        return AudioReply(
            format=fmt, sample_rate=rate, channels=channels, audio=encoded, _buffer=buffer,
            transcript=self.transcript, text=self.text, usage=self._meta["usage"], cost=self._meta["cost"],
            model=self._meta["model"], id=self._meta["id"], provider=self._meta["provider"],
            complete=final and error is None and self._done,
            error=error[0] if error else None, error_code=error[1] if error else None,
            error_kind=error[2] if error else None, finish_reason=self._meta["finish_reason"],
        )

    def _convert_wire(self, encoded: bytes, rate: int, channels: int
                      ) -> tuple[tuple[bytes, int] | None, bytes | None, str]:
        """Compressed audio on the wire but another format asked: decode it, or keep it as it came when
        it cannot be decoded (no ffmpeg, or a stream cut mid-frame)."""
        try:
            pcm = _transcode.decode_to_pcm16(encoded, self.wire_format, rate, channels)
        except (FFmpegNotFoundError, AudioInputError):
            return None, encoded, self.wire_format
        return (pcm, 0), None, self.format
