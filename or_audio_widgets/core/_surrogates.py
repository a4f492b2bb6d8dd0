"""Joining UTF-16 surrogate pairs that a stream split across two deltas.

JSON escapes a character outside the Basic Multilingual Plane (most emoji) as two ``\\uXXXX`` halves; a
server that cuts its text between them sends one half per delta, and ``json.loads`` gives each delta a
lone surrogate. Such strings cannot be encoded as UTF-8, so they break Jupyter's messages and JSON
files. :class:`SurrogateJoiner` holds a trailing high half until the next delta and joins the pair; a
half that never finds its partner becomes U+FFFD. Pure: no I/O.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR_OR_LONE = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")


def _repair(match: re.Match[str]) -> str:
    text = match.group(0)
    if len(text) == 2:  # a high half followed by a low half: one character
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    return REPLACEMENT


def clean_surrogates(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return _PAIR_OR_LONE.sub(_repair, text)


class SurrogateJoiner:
    """Feed the deltas of one text channel in order; get text that is always valid Unicode."""

    def __init__(self) -> None:
        self._high = ""  # a high surrogate that ended the previous delta

    def feed(self, text: str) -> str:
        """The text of this delta, completed by a held half, minus a high half held for the next one."""
        if self._high:
            text, self._high = self._high + text, ""
        if not _SURROGATE.search(text):
            return text
        if "\ud800" <= text[-1] <= "\udbff":
            text, self._high = text[:-1], text[-1]
        return clean_surrogates(text)

    def flush(self) -> str:
        """End of the stream: a half still held, as U+FFFD (or "" when none is held)."""
        held, self._high = self._high, ""
        return REPLACEMENT if held else ""
