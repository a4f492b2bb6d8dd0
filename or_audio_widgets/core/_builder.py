"""``ReplyBuilder``: consumes the events of one stream and builds its :class:`AudioReply`.

pcm16 deltas go straight into one buffer with room for a WAV header in front (see ``PcmAssembler``);
compressed wire formats are kept as they came and decoded only when another format was asked for.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING, Any

from ..errors import AudioFormatError, AudioInputError, FFmpegNotFoundError
from . import _transcode
from ._assembler import PcmAssembler
from ._events import (
    AudioDelta,
    End,
    ErrorEvent,
    Event,
    ReasoningDelta,
    Started,
    TextDelta,
    TranscriptDelta,
    Usage,
)
from ._wav import WAV_HEADER_SIZE

if TYPE_CHECKING:
    from ._reply import AudioReply

OUTPUT_FORMATS = frozenset({"wav", "pcm16"}) | _transcode.COMPRESSED_FORMATS
WIRE_FORMATS = OUTPUT_FORMATS | _transcode.PCM_FORMATS


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
        self._reasoning: list[str] = []
        self._meta: dict[str, Any] = {"model": model, "id": None, "provider": None, "usage": None,
                                      "cost": None, "finish_reason": None}
        self._error: tuple[str, int | str | None, str] | None = None
        self._ended = self._done = self._audio_failed = False
        self._built: AudioReply | None = None

    def feed(self, event: Event) -> None:
        """Take one event. Events arriving after ``build()`` are ignored (the reply is final)."""
        if self._built is not None:
            return
        if isinstance(event, AudioDelta):
            self._audio(event.data)
        elif isinstance(event, TranscriptDelta):
            self._transcript.append(event.text)
        elif isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
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

    def _audio(self, data: bytes) -> None:
        # Called from inside stream generators: audio that cannot be read ends the audio, it raises nothing.
        with self._lock:
            try:
                if self._pcm is not None and not self._audio_failed:
                    self._pcm.write(data)
                elif self._encoded is not None:
                    self._encoded.write(data)
            except AudioFormatError as exc:
                self._audio_failed = True
                self._record_error(f"the audio stream cannot be read from here on: {exc}", None, "protocol")

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
    def reasoning(self) -> str:
        """The model's reasoning so far (empty when it sent none)."""
        return "".join(self._reasoning)

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
        from ._reply import AudioReply  # _reply imports this module at its top

        rate = self._pcm.sample_rate if self._pcm is not None else self._sample_rate
        channels = self._pcm.channels if self._pcm is not None else self._channels
        fmt = self.format
        if encoded is not None and fmt != self.wire_format:
            buffer, encoded, fmt = self._convert_wire(encoded, rate, channels)
        error = self._error
        return AudioReply(
            format=fmt, sample_rate=rate, channels=channels, audio=encoded, _buffer=buffer,
            transcript=self.transcript, text=self.text, reasoning=self.reasoning,
            usage=self._meta["usage"], cost=self._meta["cost"],
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
