"""Timed lines of a transcript: ``Segment`` (start, end, text), and subtitles written from them.

A spoken chat reply has no times of its own: :func:`lines_by_arrival` estimates them, a sentence a line,
from how far the audio had come when each part of its transcript arrived.

SubRip (``.srt``) and WebVTT (``.vtt``) are written by hand: both are a few lines of rules. The text is a
model's, so it is made safe for each format: a blank line would end a cue early in both, ``-->`` would
read as a timing line, and WebVTT reads ``<`` and ``&`` as markup (its spec's escapes ``&lt;``,
``&amp;``). Times that are not finite or run backwards are never written: such a segment is dropped.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Segment", "clock", "lines_by_arrival", "segments_from_verbose", "to_srt", "to_vtt",
           "valid_segments"]

_BLANKS = re.compile(r"\s*\n\s*")
# a sentence: up to the end of a line, or to a full stop, question or exclamation mark (with any closing
# quote or bracket) followed by a space
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*(?=\s)|$)", re.MULTILINE)


@dataclass(frozen=True)
class Segment:
    """A stretch of the recording and what was said in it: ``start`` and ``end`` in seconds from the
    beginning of the whole recording (not of a piece it was cut into)."""

    start: float
    end: float
    text: str

    def shifted(self, seconds: float) -> Segment:
        """The same segment ``seconds`` later (a piece's times made the recording's)."""
        return Segment(self.start + seconds, self.end + seconds, self.text)


def clock(seconds: float) -> str:
    """``seconds`` as people read a position in a recording: ``0:07``, ``12:30``, ``1:02:03``."""
    whole = max(0, int(seconds)) if math.isfinite(seconds) else 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def valid_segments(segments: Iterable[Any]) -> list[Segment]:
    """The segments with finite, non-negative times whose end is not before their start."""
    kept = []
    for segment in segments:
        start, end = getattr(segment, "start", None), getattr(segment, "end", None)
        if not all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t)
                   for t in (start, end)):
            continue
        if start < 0 or end < start:  # type: ignore[operator]
            continue
        kept.append(Segment(float(start), float(end), str(getattr(segment, "text", ""))))  # type: ignore[arg-type]
    return kept


def _stamp(seconds: float, sep: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def _one_block(text: str) -> str:
    """The text on lines with no blank one between them and no timing arrow."""
    return _BLANKS.sub("\n", text.strip()).replace("-->", "->")


def to_srt(segments: Iterable[Any]) -> str:
    """SubRip subtitles of the segments, numbered from 1 (segments with no words are left out)."""
    blocks: list[str] = []
    for segment in valid_segments(segments):
        text = _one_block(segment.text)
        if text:
            blocks.append(f"{len(blocks) + 1}\n{_stamp(segment.start, ',')} --> "
                          f"{_stamp(segment.end, ',')}\n{text}\n")
    return "\n".join(blocks)


def to_vtt(segments: Iterable[Any]) -> str:
    """WebVTT subtitles of the segments (the text escaped as the WebVTT spec asks)."""
    cues = ["WEBVTT\n"]
    for segment in valid_segments(segments):
        text = _one_block(segment.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if text:
            cues.append(f"{_stamp(segment.start, '.')} --> {_stamp(segment.end, '.')}\n{text}\n")
    return "\n".join(cues)


def segments_from_verbose(payload: Mapping[str, Any], key: str = "segments") -> list[Segment]:
    """The timed ``segments`` (or ``words``) of an OpenAI-style ``verbose_json`` answer.

    A server's answer is untrusted: entries that are not objects, have no finite times, or run
    backwards are left out; a word entry's text is its ``word`` field.
    """
    raw = payload.get(key)
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        return []
    out = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        text = entry.get("text", entry.get("word", ""))
        out.append(Segment(entry.get("start"), entry.get("end"),  # type: ignore[arg-type]
                           text.strip() if isinstance(text, str) else ""))
    return valid_segments(out)


def lines_by_arrival(transcript: str, chars: Sequence[int], seconds: Sequence[float],
                     duration: float) -> list[Segment]:
    """The sentences of a spoken reply's ``transcript`` as timed lines of its ``duration`` seconds of audio.

    ``chars[i]`` is how long the transcript was, and ``seconds[i]`` how much audio had arrived, when its
    parts were received (both rising). A transcript runs ahead of its audio, so a sentence is not spoken
    before the audio that had arrived with its first letter; within that bound it is placed where its
    share of the letters falls (speech goes at about the same pace throughout). Each line lasts until the
    next begins, the last until the end.
    """
    total = len(transcript)
    if not total or not math.isfinite(duration) or duration <= 0:
        return []
    starts: list[tuple[int, str]] = []
    for match in _SENTENCE.finditer(transcript):
        words = match.group(0).strip()
        if words:
            starts.append((match.start() + len(match.group(0)) - len(match.group(0).lstrip()), words))
    lines: list[Segment] = []
    at = 0.0
    for offset, words in starts:
        # the audio that had come when this letter came: the first record that holds it
        index = bisect.bisect_right(chars, offset)
        arrived = seconds[index] if index < len(seconds) else (seconds[-1] if seconds else 0.0)
        at = min(duration, max(at, arrived, duration * offset / total))
        if lines:
            lines[-1] = Segment(lines[-1].start, at, lines[-1].text)
        lines.append(Segment(at, duration, words))
    return lines
