"""Splitting a long text for the speech endpoint: pieces of at most the model's input limit, cut where a
reader would pause (sentence ends first, then clause marks, then white space), and never inside a grapheme
cluster (a letter and its accents, an emoji with its skin tone, a ZWJ family, a flag stay whole).

Sentence and clause marks are those of every script, read from the Unicode Character Database through
``regex`` (its ``Sentence_Break`` property, UAX #29), not from a table written here; the clusters are its
``\\X`` (extended grapheme clusters). The pieces joined give the text back exactly.
"""

from __future__ import annotations

import bisect

import regex

from ..errors import AudioInputError

# A sentence ends at a terminal (STerm: ! ? 。 ！ ？ । ؟ ። ...) whatever follows it; at a full stop or an
# ellipsis (ATerm, U+2026) only before white space, as UAX #29 rule SB11 reads "3.14" or "e.g.x"; a wide
# (CJK) full stop needs no space after it. Closing quotes and brackets go with the sentence, and so does the
# white space after it: a cut anywhere from the mark to the next word is a sentence end.
_SENTENCE_END = regex.compile(
    r"(?:\p{SB=STerm}|[\p{SB=ATerm}\u2026](?=[\p{SB=ATerm}\p{SB=STerm}\u2026]*\p{SB=Close}*(?:\s|$))"
    r"|[\p{SB=ATerm}&&[\p{ea=W}\p{ea=F}]])[\p{SB=ATerm}\p{SB=STerm}\u2026]*\p{SB=Close}*(\s*)",
    regex.V1,
)
# A clause ends at a comma, colon, semicolon or dash of any script (SContinue) before white space, or at a
# wide one (、，：；) anywhere; not at a hyphen, which joins a word.
_CLAUSE_END = regex.compile(
    r"(?:[\p{SB=SContinue}--[\-\uFE63\uFF0D]](?=\p{SB=Close}*(?:\s|$))"
    r"|[\p{SB=SContinue}&&[\p{ea=W}\p{ea=F}]])\p{SB=Close}*(\s*)",
    regex.V1,
)
_CLUSTER = regex.compile(r"\X")

_SENTENCE, _CLAUSE, _SPACE, _CLUSTER_ONLY = 3, 2, 1, 0


def check_speech_text(text: object) -> str:
    """The text to read aloud, stripped; a clear error for anything else or for an empty text."""
    if not isinstance(text, str):
        raise TypeError(f"say() reads a str aloud, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise AudioInputError("there is nothing to read aloud: the text is empty; give say() some words")
    return stripped


def split_speech_text(text: str, limit: int) -> list[str]:
    """``text`` as consecutive pieces of at most ``limit`` code points, cut at the best boundary.

    ``"".join(pieces) == text``: white space stays with the piece before it (a piece may be all white
    space only when a run of it is longer than ``limit``). Each cut is at a grapheme cluster boundary;
    a single cluster longer than ``limit`` cannot be read in any piece and raises
    :class:`AudioInputError`.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1 character, not {limit}")
    if len(text) <= limit:
        return [text] if text else []
    cuts, levels = _boundaries(text, limit)
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        # the cluster boundaries in (start, start + limit]: the furthest of the best kind found there
        low, high = bisect.bisect_right(cuts, start), bisect.bisect_right(cuts, start + limit)
        end = max(cuts[low:high], key=lambda cut: (levels.get(cut, _CLUSTER_ONLY), cut))
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def _boundaries(text: str, limit: int) -> tuple[list[int], dict[int, int]]:
    """The cluster boundaries of ``text`` in order, and the kind of pause at those that are more than one."""
    cuts: list[int] = []
    levels: dict[int, int] = {}
    for match in _CLUSTER.finditer(text):
        if match.end() - match.start() > limit:
            raise AudioInputError(
                f"the text holds one character sequence of {match.end() - match.start()} code points "
                f"(at character {match.start()}), longer than the {limit} the speech model takes in one "
                "request; it cannot be split without breaking it: shorten it or remove its combining marks"
            )
        cuts.append(match.end())
        if match.group().isspace():
            levels[match.end()] = _SPACE
    for level, pattern in ((_CLAUSE, _CLAUSE_END), (_SENTENCE, _SENTENCE_END)):
        for match in pattern.finditer(text):
            # every boundary from the end of the mark (and its closing quotes) to the next word
            for cut in range(match.start(1), match.end() + 1):
                if levels.get(cut, _CLUSTER_ONLY) < level:
                    levels[cut] = level
    return cuts, levels
