"""``ReplyAccumulator``: the state of one stream as its events arrive, turned into a reply's parts.

pcm16 deltas go straight into one buffer with room for a WAV header in front (see ``PcmAssembler``);
compressed wire formats are kept as they came and decoded only when another format was asked for. It
knows nothing of :class:`~._reply.AudioReply`: :meth:`ReplyAccumulator.assemble` hands the parts to
whatever builds the reply (``ReplyBuilder`` and ``AudioReply.from_events`` give ``AudioReply``).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any, TypeVar

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
from ._formats import REPLY_FORMATS, WIRE_FORMATS, is_compressed
from ._reply_parts import ReplyAudio, ReplyOrigin, ReplyOutcome
from ._wav import WAV_HEADER_SIZE

R = TypeVar("R")


class ReplyAccumulator:
    """Feed it the events of one stream; :meth:`assemble` gives the parts of the reply so far or, once
    ``final``, for good (later events are then ignored).

    ``format`` is the audio format the reply should have, ``wire_format`` what the server streams.
    Thread-safe enough for one feeding thread and others reading the parts or the properties.
    """

    def __init__(self, *, format: str = "wav", wire_format: str = "pcm16", sample_rate: int = 24000,
                 channels: int = 1, model: str | None = None) -> None:
        format, wire_format = format.lower(), wire_format.lower()
        if format not in REPLY_FORMATS:
            raise AudioFormatError(f"unknown reply format {format!r}; use one of {sorted(REPLY_FORMATS)}")
        if wire_format not in WIRE_FORMATS:
            raise AudioFormatError(f"unknown wire format {wire_format!r}; use one of {sorted(WIRE_FORMATS)}")
        self.format, self.wire_format = format, wire_format
        self._pcm: PcmAssembler | None = None
        self._encoded: io.BytesIO | None = None
        if is_compressed(wire_format):
            self._encoded = io.BytesIO()
        else:
            self._pcm = PcmAssembler(wire_format, sample_rate, channels, header=format != "pcm16")
        self._sample_rate, self._channels = sample_rate, channels
        self._lock = threading.Lock()
        self._transcript: list[str] = []
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._origin: dict[str, Any] = {"model": model, "id": None, "provider": None, "usage": None,
                                        "cost": None}
        self._finish_reason: str | None = None
        self._error: tuple[str, int | str | None, str] | None = None
        self._ended = self._done = self._audio_failed = self.final = False
        self._product: Any = None  # what the final assemble() made

    def feed(self, event: Event) -> None:
        """Take one event. Events arriving after the final parts are ignored (the reply is final)."""
        if self.final:
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
            self._origin.update(id=event.id, provider=event.provider)
            self._origin["model"] = event.model or self._origin["model"]
        elif isinstance(event, Usage):
            self._origin.update(usage=event.usage, cost=event.cost)
        elif isinstance(event, ErrorEvent):
            self._record_error(event.message, event.code, event.kind)
        elif isinstance(event, End):
            self._ended, self._done = True, event.done
            self._finish_reason = event.finish_reason

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
        if not self.final:
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

    def assemble(self, make: Callable[..., R], *, final: bool) -> R:
        """``make(sound=, transcript=, text=, reasoning=, origin=, outcome=)`` with the parts so far: a copy
        of the audio while the stream goes on, or (``final``) the audio buffer itself, handed over without
        a copy. After the final parts, the accumulator takes no more events and every call returns what
        the final ``make`` returned."""
        with self._lock:
            if self.final:
                product: R = self._product
                return product
            if final:
                if not self._ended:
                    self._record_error("the stream stopped before its end", None, "protocol")
                elif not self._done:
                    self._record_error("the stream ended without 'data: [DONE]'", None, "protocol")
            message, code, kind = self._error or (None, None, None)
            outcome = ReplyOutcome(complete=final and self._error is None and self._done, error=message,
                                   error_code=code, error_kind=kind, finish_reason=self._finish_reason)
            made = make(sound=self._sound(final), transcript=self.transcript, text=self.text,
                        reasoning=self.reasoning, origin=ReplyOrigin(**self._origin), outcome=outcome)
            if final:
                self.final, self._product = True, made
            return made

    def _sound(self, final: bool) -> ReplyAudio:
        if self._pcm is not None:
            rate, channels = self._pcm.sample_rate, self._pcm.channels
            if final:
                held, offset = self._pcm.finish()
            else:
                held, offset = self._pcm.snapshot(), WAV_HEADER_SIZE if self.format != "pcm16" else 0
            return ReplyAudio(self.format, rate, channels, held=held, offset=offset)
        assert self._encoded is not None
        encoded = self._encoded.getvalue()
        if self.format == self.wire_format:
            return ReplyAudio(self.format, self._sample_rate, self._channels, held=None, encoded=encoded)
        return self._convert_wire(encoded)

    def _convert_wire(self, encoded: bytes) -> ReplyAudio:
        """Compressed audio on the wire but another format asked: decode it, or keep it as it came when
        it cannot be decoded (no ffmpeg, or a stream cut mid-frame)."""
        rate, channels = self._sample_rate, self._channels
        try:
            pcm = _transcode.decode_to_pcm16(encoded, self.wire_format, rate, channels)
        except (FFmpegNotFoundError, AudioInputError):
            return ReplyAudio(self.wire_format, rate, channels, held=None, encoded=encoded)
        return ReplyAudio(self.format, rate, channels, held=pcm)
