"""Splitting a long text for the speech endpoint: pieces under the model's input limit, cut where a
reader would pause (sentence ends first, then clause marks, then spaces), never inside a word unless a
single word is longer than the limit."""

from __future__ import annotations

import re

from ..errors import AudioInputError

# A sentence ends at . ! ? … (and closing quotes or brackets after them) followed by white space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")


def check_speech_text(text: object) -> str:
    """The text to read aloud, stripped; a clear error for anything else or for an empty text."""
    if not isinstance(text, str):
        raise TypeError(f"say() reads a str aloud, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise AudioInputError("there is nothing to read aloud: the text is empty; give say() some words")
    return stripped


def split_speech_text(text: str, limit: int) -> list[str]:
    """``text`` as consecutive pieces of at most ``limit`` characters, cut at the best boundary.

    Joining the pieces with single spaces gives the text back with its runs of white space between
    pieces collapsed; nothing else is dropped or reordered.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1 character, not {limit}")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        joined = f"{current} {unit}" if current else unit
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Sentences; a sentence over ``limit`` is broken at clauses, then words, then characters."""
    units: list[str] = []
    for sentence in _split(_SENTENCE_END, text):
        if len(sentence) <= limit:
            units.append(sentence)
            continue
        for clause in _split(_CLAUSE_END, sentence):
            if len(clause) <= limit:
                units.append(clause)
                continue
            for word in clause.split():
                units += [word[i : i + limit] for i in range(0, len(word), limit)]
    return units


def _split(pattern: re.Pattern[str], text: str) -> list[str]:
    return [part.strip() for part in pattern.split(text) if part.strip()]
