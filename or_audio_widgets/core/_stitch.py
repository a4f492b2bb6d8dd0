"""Joining the transcripts of the pieces of a recording into one, in order, no word lost or doubled.

Pieces cut in a pause share no audio: their words are joined as they are. Pieces that overlap (a cut
forced inside speech) both heard the overlap, so its words come twice: where word times are known, each
side keeps the words that fall on its side of the overlap's middle; else the longest run of words (two
or more, compared without case and punctuation) that ends the first and begins the second is kept once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._timed import Segment

__all__ = ["drop_repeated", "split_overlap"]

_WORD = re.compile(r"[\w']+")
_MIN_RUN = 2  # one shared word may be a coincidence ("the"); two in a row are the overlap heard twice


def _norm(word: str) -> str:
    return "".join(_WORD.findall(word.lower()))


def drop_repeated(before: str, after: str, window: int = 40) -> tuple[str, str]:
    """``before`` and ``after`` with the words of their overlap kept once: the longest run of words
    shared by the last and first ``window`` words is kept from ``before``, and what ``before`` heard
    after it (a word cut in two at a forced cut) and ``after`` heard up to its end is dropped. Without
    such a run both stay whole."""
    first = before.split()
    tail = [_norm(w) for w in first[-window:]]
    words = after.split()
    head = [_norm(w) for w in words[:window]]
    best_len, best_i, best_j = 0, 0, 0
    for i in range(len(tail)):  # the longest common run of the tail and the head
        for j in range(len(head)):
            k = 0
            while i + k < len(tail) and j + k < len(head) and tail[i + k] and tail[i + k] == head[j + k]:
                k += 1
            if k > best_len:
                best_len, best_i, best_j = k, i, j
    if best_len < _MIN_RUN:
        return before, after
    keep = len(first) - len(tail) + best_i + best_len
    return " ".join(first[:keep]), " ".join(words[best_j + best_len:])


def split_overlap(before: Sequence[Segment], after: Sequence[Segment], middle: float
                  ) -> tuple[list[Segment], list[Segment]]:
    """Timed words of two overlapping pieces (in the recording's time): those of ``before`` that start
    before ``middle``, and those of ``after`` that start at or after it."""
    return ([s for s in before if s.start < middle], [s for s in after if s.start >= middle])
