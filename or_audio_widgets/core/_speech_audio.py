"""The speech endpoint's answer as events: raw audio bytes, described by their ``Content-Type``.

``POST /audio/speech`` answers with the audio itself, not with SSE. Its bytes become the same
:class:`AudioDelta` events a chat stream yields, so everything that plays or assembles chat audio (the
ReplyBuilder, the LivePlayer, the magic's live display) takes speech unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..errors import AudioFormatError
from ._events import AudioDelta, End, Event, Started, TranscriptDelta, Usage
from ._formats import PCM_CONTENT_TYPE, format_for_mime

SPEECH_RATE = 24000  # what pcm is when its Content-Type names no rate



@dataclass(frozen=True)
class SpeechLayout:
    """How to read the bytes: a wire format the ReplyBuilder knows, with rate and channels for pcm."""

    wire_format: str
    sample_rate: int = SPEECH_RATE
    channels: int = 1


def layout_from_content_type(content_type: str | None) -> SpeechLayout:
    """The layout a ``Content-Type`` such as ``audio/pcm;rate=24000;channels=1`` describes.

    pcm with no rate or channels is 24 kHz mono; a missing header is taken as that pcm too (pcm is the
    endpoint's default). Anything that cannot be played here raises :class:`AudioFormatError`.
    """
    kind, _, rest = (content_type or PCM_CONTENT_TYPE).partition(";")
    kind = kind.strip().lower()
    params = dict(_param(item) for item in rest.split(";") if "=" in item)
    known = format_for_mime(kind)
    if kind == "application/octet-stream" or (known is not None and known.name == "pcm16"):
        rate = _positive(params.get("rate") or params.get("samplerate"), SPEECH_RATE, content_type)
        channels = _positive(params.get("channels"), 1, content_type)
        bits = params.get("bits") or params.get("width")
        if bits not in (None, "16", "2"):
            raise _unplayable(content_type, f"{bits}-bit samples")
        return SpeechLayout("pcm16", rate, channels)
    if known is not None and known.playable:
        return SpeechLayout(known.name)
    raise _unplayable(content_type, "an unknown audio type")


def _param(item: str) -> tuple[str, str]:
    name, _, value = item.partition("=")
    return name.strip().lower(), value.strip().strip('"')


def _positive(raw: str | None, default: int, content_type: str | None) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise _unplayable(content_type, f"the value {raw!r}")
    return int(raw)


def _unplayable(content_type: str | None, what: str) -> AudioFormatError:
    return AudioFormatError(
        f"the speech endpoint answered with Content-Type {content_type!r} ({what}), which this package "
        "cannot play; ask for format='mp3' or a pcm-based format (wav, pcm16, flac, opus)"
    )


def iter_audio_events(
    chunks: Iterable[bytes], started: Started, usage: Callable[[], Usage | None] | None = None,
    said: Callable[[], Sequence[str]] | None = None,
) -> Iterator[Event]:
    """``started``, an AudioDelta per non-empty chunk, the ``usage()`` event if any, then a done End.

    ``said()`` gives the texts being read aloud so far (one per request); each new one becomes a
    TranscriptDelta before its audio, so the transcript is the words read, not more. Exceptions raised by
    ``chunks`` propagate (the ReplyStream turns a broken body into an incomplete reply); ``usage`` is
    called once the bytes ended, so it may count what the chunks brought.
    """
    yield started
    told = 0
    for chunk in chunks:
        texts = said() if said is not None else ()
        for text in texts[told:]:
            yield TranscriptDelta(f" {text}" if told else text)
            told += 1
        if chunk:
            yield AudioDelta(bytes(chunk))
    summary = usage() if usage is not None else None
    if summary is not None:
        yield summary
    yield End("stop", True)
