"""What the emulator has said in this process: the texts it spoke (speech endpoint, spoken chat replies).

The offline recogniser expects these above all, as a person who has just read a text aloud expects to
hear it back; kept in order, at most ``LIMIT`` texts (the oldest go first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

LIMIT = 200
_texts: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()
_version = 0


def remember(text: str) -> None:
    """Note that the emulator spoke ``text`` (saying it again moves it to the newest place)."""
    global _version
    text = text.strip()
    if not text:
        return
    with _lock:
        if text in _texts:
            _texts.move_to_end(text)
            return
        _texts[text] = None
        while len(_texts) > LIMIT:
            _texts.popitem(last=False)
        _version += 1


def said() -> tuple[int, tuple[str, ...]]:
    """A version number that changes with every new text, and the texts, oldest first."""
    with _lock:
        return _version, tuple(_texts)


def forget() -> None:
    """Forget every text (tests use it to listen with the written corpus alone)."""
    global _version
    with _lock:
        _texts.clear()
        _version += 1
