"""A music model's lyrics, read from the text of its reply: timed lines, or ``<instrumental>``.

Lyria sends its lyrics in ``delta.content`` as lines such as ``[4.0:6.0] SUN IS SHINING IN THE SKY``
(start and end in seconds), or ``<instrumental>`` for a song without words (measured on the live service,
Sept 2026). The text is the model's: anything that does not read as a timestamp stays as plain text,
never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "[4.0:6.0]": seconds as digits with an optional fraction; anything else is not a timestamp
_STAMP = re.compile(r"\[\s*(\d{1,6}(?:\.\d+)?)\s*:\s*(\d{1,6}(?:\.\d+)?)\s*\]")
_INSTRUMENTAL = "<instrumental>"


@dataclass(frozen=True)
class LyricLine:
    """One line of lyrics: its words and, when the model timed it, when it is sung (seconds)."""

    text: str
    start: float | None = None
    end: float | None = None

    @property
    def timed(self) -> bool:
        """Whether the line has a start and an end."""
        return self.start is not None and self.end is not None


@dataclass(frozen=True)
class Lyrics:
    """The lyrics of a song: its lines (timed where the model timed them), or ``instrumental``.

    ``text`` is what the model sent. ``lines`` holds every non-blank line; a line whose timestamp is
    broken (``[4.0:``, an end before its start) is kept whole as plain text.
    """

    text: str
    lines: tuple[LyricLine, ...] = ()
    instrumental: bool = False

    @property
    def timed(self) -> bool:
        """Whether any line is timed (captions can follow the music)."""
        return any(line.timed for line in self.lines)

    def at(self, seconds: float) -> LyricLine | None:
        """The timed line sung at ``seconds``, or None."""
        for line in self.lines:
            if line.timed and line.start <= seconds < line.end:  # type: ignore[operator]
                return line
        return None

    def __bool__(self) -> bool:
        return bool(self.lines) or self.instrumental


def parse_lyrics(text: str) -> Lyrics:
    """Read a music reply's text as lyrics; never raises."""
    if text.strip().lower() == _INSTRUMENTAL:
        return Lyrics(text, instrumental=True)
    lines: list[LyricLine] = []
    for raw in text.splitlines():
        lines += _read_line(raw.strip())
    return Lyrics(text, tuple(lines))


def _read_line(line: str) -> list[LyricLine]:
    """A line, or the timed pieces of a line that holds several stamps (``[0:2] LA [2:4] LA``)."""
    if not line:
        return []
    stamps = list(_STAMP.finditer(line))
    if not stamps or stamps[0].start() != 0:
        return [LyricLine(line)]
    pieces = []
    for stamp, following in zip(stamps, [*stamps[1:], None], strict=True):
        start, end = float(stamp.group(1)), float(stamp.group(2))
        words = line[stamp.end() : following.start() if following else len(line)].strip()
        if end < start:  # not a time span: keep the line as the model wrote it
            return [LyricLine(line)]
        pieces.append(LyricLine(words, start, end))
    return pieces
