"""``ReplyAccumulator``: the state of one stream as its events arrive, turned into a reply's parts.

The first bytes of the audio decide what it is (``_audio_kind``; the wire format asked for is a hint):
pcm16 goes straight into one buffer with room for a WAV header in front (see ``PcmAssembler``); a
compressed file (an MP3 where pcm16 was asked, say) is kept as it came, never re-encoded, and decoded at
its own rate and channel count only when its samples are needed. For each transcript delta it notes how
much audio had arrived (one pair of numbers, merged with the last while no audio comes between), from
which the reply's timed lines are estimated (``_timed.lines_by_arrival``). It knows nothing of
:class:`~._reply.AudioReply`: :meth:`ReplyAccumulator.assemble` hands the parts to whatever builds the
reply (``ReplyBuilder`` and ``AudioReply.from_events`` give ``AudioReply``).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import AudioFormatError
from ._assembler import PcmAssembler
from ._audio_kind import UNREADABLE, classify, unreadable_message
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
from ._formats import RAW_FORMATS, REPLY_FORMATS, WIRE_FORMATS
from ._mp3 import mp3_layout
from ._reply_parts import ReplyAudio, ReplyOrigin, ReplyOutcome
from ._timed import lines_by_arrival
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
        self._encoded: list[bytes] | None = None  # the pieces of a file kept as it came
        self._head = b""  # the first bytes, held until they say what the audio is
        self._kind: str | None = None  # what they said: "pcm16", "wav", "mp3", ... or UNREADABLE
        self._sample_rate, self._channels = sample_rate, channels
        self._lock = threading.Lock()
        self._transcript: list[str] = []
        # when the transcript arrived: its length and the seconds of audio received at that moment
        self._heard_chars, self._heard_at = array("q"), array("d")
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
            self._heard(len(event.text))
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

    def _heard(self, count: int) -> None:
        """Note that ``count`` more letters of transcript came with the audio received so far."""
        at = self.audio_seconds
        if self._heard_at and self._heard_at[-1] == at:  # no audio since the last delta: one record
            self._heard_chars[-1] += count
        else:
            self._heard_chars.append((self._heard_chars[-1] if self._heard_chars else 0) + count)
            self._heard_at.append(at)

    def _audio(self, data: bytes) -> None:
        # Called from inside stream generators: audio that cannot be read ends the audio, it raises nothing.
        with self._lock:
            if self._kind is None:
                self._head += data
                if not self._decide(final=False):
                    return
                data, self._head = self._head, b""
            self._take(data)

    def _take(self, data: bytes) -> None:
        try:
            if self._pcm is not None and not self._audio_failed:
                self._pcm.write(data)
            elif self._encoded is not None:
                self._encoded.append(data)
        except AudioFormatError as exc:
            self._audio_failed = True
            self._record_error(f"the audio stream cannot be read from here on: {exc}", None, "protocol")

    def _decide(self, *, final: bool, head: bytes | None = None) -> bool:
        """Read what the audio is from the bytes held so far; False while they cannot tell yet."""
        head = self._head if head is None else head
        kind = classify(head, self.wire_format, final=final)
        if kind is None:
            return False
        self._kind = kind
        if kind in RAW_FORMATS or kind == "wav":
            self._pcm = PcmAssembler(kind, self._sample_rate, self._channels, header=self.format != "pcm16")
        else:
            self._encoded = []
            if kind == UNREADABLE:
                self._record_error(unreadable_message(head, self.wire_format), None, "protocol")
        return True

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
        """``make(sound=, transcript=, text=, reasoning=, origin=, outcome=, segments=)`` with the parts so
        far: a copy of the audio while the stream goes on, or (``final``) the audio buffer itself, handed
        over without a copy; ``segments`` the transcript's sentences with times estimated from when they
        arrived (none without pcm audio). After the final parts, the accumulator takes no more events and
        every call returns what the final ``make`` returned."""
        with self._lock:
            if self.final:
                product: R = self._product
                return product
            sound = self._sound(final)  # first: reading the audio may find it cut short
            if final:
                if not self._ended:
                    self._record_error("the stream stopped before its end", None, "protocol")
                elif not self._done:
                    self._record_error("the stream ended without 'data: [DONE]'", None, "protocol")
            transcript = self.transcript
            segments = lines_by_arrival(transcript, self._heard_chars, self._heard_at, self.audio_seconds)
            message, code, kind = self._error or (None, None, None)
            outcome = ReplyOutcome(complete=final and self._error is None and self._done, error=message,
                                   error_code=code, error_kind=kind, finish_reason=self._finish_reason)
            made = make(sound=sound, transcript=transcript, text=self.text, reasoning=self.reasoning,
                        origin=ReplyOrigin(**self._origin), outcome=outcome, segments=tuple(segments))
            if final:
                self.final, self._product = True, made
            return made

    def _sound(self, final: bool) -> ReplyAudio:
        if self._kind is None and final and self._head:  # a reply shorter than what a decision needs
            head, self._head = self._head, b""
            self._decide(final=True, head=head)
            self._take(head)
        if self._pcm is not None:
            rate, channels = self._pcm.sample_rate, self._pcm.channels
            if final:
                held, offset = self._pcm.finish()
            else:
                held, offset = self._pcm.snapshot(), WAV_HEADER_SIZE if self.format != "pcm16" else 0
            return ReplyAudio(self.format, rate, channels, held=held, offset=offset)
        if self._encoded is None:  # no audio at all
            return ReplyAudio(self.format, self._sample_rate, self._channels)
        # one piece (Lyria's whole song in one event) is handed over as it is: join copies only several
        encoded = self._encoded[0] if len(self._encoded) == 1 else b"".join(self._encoded)
        if final:
            self._encoded = [encoded]
        return self._file(encoded, final)

    def _file(self, encoded: bytes, final: bool) -> ReplyAudio:
        """A compressed file kept as it came, at its own rate and channels where its headers say them."""
        assert self._kind is not None
        rate, channels = self._sample_rate, self._channels
        if self._kind == "mp3":
            layout = mp3_layout(encoded)
            if layout is not None:
                rate, channels = layout.sample_rate, layout.channels
                if final and layout.cut:
                    missing = "the MP3 ends in the middle of a frame: the stream was cut short"
                    self._record_error(f"{missing}; the {layout.frames} whole frames "
                                       f"({layout.seconds:.2f} s) are kept", None, "protocol")
        problem = unreadable_message(encoded[:16], self.wire_format) if self._kind == UNREADABLE else None
        return ReplyAudio(self._kind, rate, channels, held=None, encoded=encoded, problem=problem)
