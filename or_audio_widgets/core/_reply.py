"""A streamed reply reassembled: ``AudioReply`` is the result, built by :class:`ReplyBuilder`.

The audio is held once. pcm16 deltas are written into one buffer that starts with room for a WAV header;
``build()`` fills the header in and hands the buffer over without a copy, so ``AudioReply.audio`` is the WAV
file and ``AudioReply.pcm`` a read-only view of the samples inside it. The stream's state is kept by
``_accumulator.ReplyAccumulator``, which knows nothing of this module; the reply's parts (audio, origin,
outcome) are in ``_reply_parts``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, TypeVar, overload

from . import _transcode
from ._accumulator import ReplyAccumulator
from ._atomic import write_atomic
from ._events import Event, iter_events
from ._formats import format_from_suffix
from ._lyrics import Lyrics, parse_lyrics
from ._reply_parts import ReplyAudio, ReplyOrigin, ReplyOutcome
from ._timed import Segment, to_srt, to_vtt
from ._wav import wav_header

__all__ = ["AudioReply", "ReplyAudio", "ReplyBuilder", "ReplyOrigin", "ReplyOutcome"]
_READ_SIZE = 1 << 16
T = TypeVar("T")


class _Part(Generic[T]):
    """A read-only attribute of the reply that one of its parts holds (``reply.cost`` is
    ``reply.origin.cost``)."""

    def __init__(self, part: str, doc: str | None = None) -> None:
        self._part = part
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, reply: None, owner: type) -> _Part[T]: ...

    @overload
    def __get__(self, reply: object, owner: type | None = None) -> T: ...

    def __get__(self, reply: object, owner: type | None = None) -> T | _Part[T]:
        if reply is None:  # looked up on the class (help(), documentation tools)
            return self
        value: T = getattr(getattr(reply, self._part), self._name)
        return value


@dataclass(eq=False, repr=False)
class AudioReply:
    """A whole reply: words, audio, where it came from, and whether it arrived complete.

    ``audio`` is the file in ``format`` (bytes; compressed formats are encoded on first access, which
    needs ffmpeg). The bytes decide ``format``: a reply that arrived compressed (an MP3 from a music
    model, whatever was asked) keeps its file as it came, and its samples are decoded at its own rate and
    channel count when needed; bytes that are no audio give format ``"bin"``, an error saying what they
    look like, and ``save("x.bin")`` still writes them. ``pcm`` is the raw pcm16 little-endian samples as
    a read-only ``memoryview`` (no copy; ``bytes(reply.pcm)`` makes one). ``reasoning`` is the model's
    thinking when it streamed any (kept apart from ``transcript`` and ``text``, the reply itself).
    ``segments`` are timed lines (:class:`Segment`: start, end, text, in seconds of the whole
    recording) when the transcription had times; ``to_srt()`` and ``to_vtt()`` write them as subtitles.
    ``complete`` is False when the stream broke, was cancelled or reported an error; ``error`` then says
    what happened and ``error_kind`` how ("api", "protocol", "connection", "cancelled", "timeout").

    Built by hand: ``AudioReply(ReplyAudio.from_pcm(samples), transcript="Hi")``, with
    ``origin=ReplyOrigin(model=..., cost=...)`` and ``outcome=ReplyOutcome(complete=False, error=...)``
    where they matter.
    """

    sound: ReplyAudio = field(default_factory=ReplyAudio)
    transcript: str = ""
    text: str = ""
    reasoning: str = ""
    origin: ReplyOrigin = field(default_factory=ReplyOrigin)
    outcome: ReplyOutcome = field(default_factory=ReplyOutcome)
    segments: tuple[Segment, ...] = ()

    format = _Part[str]("sound")
    sample_rate = _Part[int]("sound")
    channels = _Part[int]("sound")
    model = _Part["str | None"]("origin")
    id = _Part["str | None"]("origin")
    provider = _Part["str | None"]("origin")
    usage = _Part["dict[str, Any] | None"]("origin")
    cost = _Part["float | None"]("origin")
    complete = _Part[bool]("outcome")
    error = _Part["str | None"]("outcome")
    error_code = _Part["int | str | None"]("outcome")
    error_kind = _Part["str | None"]("outcome")
    finish_reason = _Part["str | None"]("outcome")

    # --- the audio, held by ``sound`` ----------------------------------------------------------------------

    pcm = _Part[memoryview]("sound", "The pcm16 samples (read-only view). Decoding a compressed-only reply "
                            "needs ffmpeg.")
    audio = _Part[bytes]("sound", "The audio file in ``format`` (wav, pcm16, mp3, ...).")
    mime_type = _Part[str]("sound", "MIME type of :attr:`audio`.")
    duration = _Part[float]("sound", "Seconds of audio.")

    @property
    def words(self) -> str:
        """What was said: the transcript of a spoken reply, else the text of a text reply."""
        return self.transcript or self.text

    @property
    def lyrics(self) -> Lyrics:
        """The text read as a song's lyrics (a music model sends them there): timed lines such as
        ``[4.0:6.0] SUN IS SHINING``, or ``instrumental``; a broken timestamp stays plain text."""
        return parse_lyrics(self.text)

    def to_srt(self) -> str:
        """The timed ``segments`` as SubRip subtitles (times of the whole recording); "" without any."""
        return to_srt(self.segments)

    def to_vtt(self) -> str:
        """The timed ``segments`` as WebVTT subtitles (for a ``<track>``); just the header without any."""
        return to_vtt(self.segments)

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the audio to ``path`` in the format its suffix names (or ``format``); returns the path.

        A compressed reply is written as it came when the format is its own, else decoded at its own
        rate and channels first. ``.bin`` (or ``format="bin"``) writes the audio's bytes as they are
        held, which also keeps bytes that are no audio this package reads. The file is replaced only
        once the new one is whole: if encoding fails (no ffmpeg, a full disk), an existing file at
        ``path`` is left as it was.
        """
        target = Path(path)
        fmt = (format or ("bin" if target.suffix.lower() == ".bin" else format_from_suffix(target))).lower()

        def write(out: IO[bytes]) -> None:
            if fmt in (self.format, "bin"):
                out.write(self.audio)
                return
            pcm = self.pcm  # first: decoding a compressed reply sets its rate and channels
            rate, channels = self.sample_rate, self.channels
            if fmt == "wav":
                out.write(wav_header(len(pcm), rate, channels))
                out.write(pcm)
            elif fmt == "pcm16":
                out.write(pcm)
            else:
                out.write(_transcode.encode_pcm(pcm, fmt, rate, channels))

        return write_atomic(target, write)

    def to_segment(self) -> Any:
        """The audio as a pydub ``AudioSegment``."""
        pcm = self.pcm  # first: decoding a compressed reply sets its rate and channels
        return _transcode.to_segment(pcm, self.sample_rate, self.channels)

    def _repr_html_(self) -> str:
        from ._html import render_reply

        return render_reply(self)

    def __repr__(self) -> str:
        words = self.words if len(self.words) <= 60 else self.words[:57] + "..."
        state = "complete" if self.complete else f"incomplete: {self.error}"
        seconds = f"{self.duration:.2f}s" if self.sound.decoded else "encoded"
        return f"<AudioReply {self.format} {seconds} {words!r} ({state})>"

    # --- building ----------------------------------------------------------------------------------------

    @classmethod
    def from_events(cls, events: Iterable[Event], **builder_kwargs: Any) -> AudioReply:
        """Assemble a reply from events; an OSError raised while reading them ends it incomplete."""
        accumulator = ReplyAccumulator(**builder_kwargs)
        try:
            for event in events:
                accumulator.feed(event)
        except OSError as exc:  # a dropped connection or unreadable file: keep what arrived
            accumulator.fail(f"reading the stream failed: {exc}", kind="connection")
        return accumulator.assemble(cls, final=True)

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


class ReplyBuilder(ReplyAccumulator):
    """Feed it the events of one stream; ``build()`` gives the :class:`AudioReply`.

    ``format`` is the audio format the reply should have, ``wire_format`` what the server streams.
    Thread-safe enough for one feeding thread and others calling ``snapshot()`` or the properties.
    """

    def snapshot(self) -> AudioReply:
        """The reply so far (a copy of the audio; the stream may go on). After build(), the built reply."""
        return self.assemble(AudioReply, final=False)

    def build(self) -> AudioReply:
        """The final reply; the audio buffer is handed over without a copy. Later calls return it again."""
        return self.assemble(AudioReply, final=True)


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
