"""The voices a model takes, as this session has learnt them, so that a bad ``--voice`` is refused before
any request once they are known.

The model catalogue this package reads (``/models``) carries no voices; what does list them is the
server's own refusal of an unknown voice ("Invalid value: 'x'. Supported values are: 'alloy', ..."),
which the live API and the emulator both send. The first such refusal costs a round trip; every later
cell is checked here.
"""

from __future__ import annotations

import re
import threading
from typing import Any

_KNOWN: dict[tuple[str, str], tuple[str, ...]] = {}  # (API base URL, model) -> voices
_LOCK = threading.Lock()
_SUPPORTED = re.compile(r"Supported values are:(.*)", re.S)


def check_voice(client: Any, model: str, voice: str) -> str | None:
    """Why ``voice`` would be refused by ``model`` (a sentence naming the voices it takes), or None when it
    is one of them or the voices are not known yet."""
    with _LOCK:
        voices = _KNOWN.get((str(getattr(client, "base_url", "")), model))
    if not voices or voice in voices:
        return None
    return f"{model} has no voice {voice!r}; it speaks with {', '.join(voices)}. Choose one with --voice."


def learn_voices(client: Any, model: str, voice: str, exc: BaseException) -> None:
    """Remember the voices listed by a refusal of ``voice`` (anything else is ignored)."""
    message = str(getattr(exc, "message", "") or "")
    found = _SUPPORTED.search(message)
    if getattr(exc, "status", None) != 400 or found is None or f"'{voice}'" not in message:
        return
    voices = tuple(re.findall(r"'([A-Za-z0-9_-]+)'", found.group(1)))
    if voices and voice not in voices:
        with _LOCK:
            _KNOWN[(str(getattr(client, "base_url", "")), model)] = voices
