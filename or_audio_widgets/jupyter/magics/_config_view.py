"""What ``%oraudio_config`` shows (the defaults, the mode, where the key comes from, what this session
has spent), and plain-text help for the magics."""

from __future__ import annotations

import os
import re
from typing import Any

from ...core._defaults import DEFAULT_BASE_URL
from ...core._html import format_cost
from .._session import OFFLINE_NOTICE, env_offline


def settings_rows(magics: Any) -> list[list[str]]:
    """The rows of the ``%oraudio_config`` table; the key itself is never among them."""
    offline = magics.is_offline()
    mode = OFFLINE_NOTICE if offline else "OpenRouter"
    if magics.offline is None:
        mode += " (from OR_AUDIO_OFFLINE)" if env_offline() else ""
    session = magics._session
    key = session.key_source() or "none: run %oraudio_login or set OPENROUTER_API_KEY"
    base = magics.base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL
    return [
        ["mode", mode],
        ["key", "not needed (offline emulator)" if offline else f"from {key}"],
        ["model", magics.model],
        ["listen_model", magics.listen_model],
        ["voice", magics.voice],
        ["speech_model", magics.speech_model],
        ["speech_voice", magics.speech_voice],
        ["transcription_model", magics.transcription_model],
        ["format", magics.format],
        ["base_url", "(emulator on 127.0.0.1)" if offline else base],
        ["embed", magics.embed],
        ["embed_limit", f"{magics.embed_limit / 1_000_000:g} MB"],
        ["spent this session", spent_text(session)],
    ]


def spent_text(session: Any) -> str:
    """The session's running total: ``$0.00754 over 3 replies``."""
    replies = session.priced + session.unpriced
    if not replies:
        return "$0 (no reply yet)"
    text = f"{format_cost(session.spent)} over {replies} repl{'y' if replies == 1 else 'ies'}"
    if session.unpriced:
        text += f" ({session.unpriced} without a cost)"
    return text


def plain_help(*magics: Any) -> None:
    """Make each magic's help (``%%oraudio?``) plain text: IPython starts the usage with an RST ``::``
    and the docstrings mark code with double backticks, which a notebook shows as they are."""
    for magic in magics:
        func = getattr(magic, "__func__", magic)
        doc = func.__doc__ or ""
        doc = re.sub(r"^::\n\n", "Usage:\n", doc)
        func.__doc__ = doc.replace("``", "")
