"""AudioChat's conversation kept as static output, so that the notebook shows it (and plays it) when it
is reopened without its kernel, shared, or exported: a widget's view needs a live kernel ("model not
found" after a restart), plain HTML does not.

The record is a second output under the panel, with a display id, rewritten after each turn: the user's
words and own recordings (playable), and each reply as :func:`_html.render_reply` renders a saved cell
(compressed the same way, downloads named ``turn-N``). While the live panel is on the page, the widget
stylesheet hides the record (the panel shows the same turns); without the panel it shows.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ...core._formats import is_playable, mime_type
from ...core._html import MUTED, download_link, format_cost

RECORD_CLASS = "or-audio-chat-record"
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_USER_AUDIO_LIMIT = 2_000_000  # bytes of base64 kept per recording; above, a line says it is not kept
# Each reply rendered as a saved cell carries the untrusted-notebook note beside its download link (a
# <template>: shown only where a sanitizer ran). A record of many replies says it once, at its head.
_REPLY_NOTE = download_link("data:,", "reply")[1]
_RECORD_NOTE = (f'<template><div class="or-audio-untrusted" style="{MUTED}">This notebook is not trusted '
                "here, so the download links are off (the players still play): File &gt; Trust Notebook "
                "turns them on.</div></template>")


class ChatRecord:
    """The static outputs of one chat: :meth:`show` adds one (where the chat is displayed),
    :meth:`update` rewrites them all; each turn is rendered once and reused."""

    def __init__(self, offline: bool = False) -> None:
        self.offline = offline
        self._handles: list[Any] = []
        self._done: dict[int, str] = {}  # exchange number -> its reply's HTML, once the reply has ended
        self._users: dict[int, tuple[Any, str]] = {}  # exchange number -> (transcript state, user's HTML)

    def show(self, turns: list[Any]) -> None:
        from IPython.display import display

        self._handles.append(display(self.bundle(turns), raw=True, display_id=True))

    def update(self, turns: list[Any]) -> None:
        if self._handles:
            bundle = self.bundle(turns)
            for handle in self._handles:
                handle.update(bundle, raw=True)

    def bundle(self, turns: list[Any]) -> dict[str, str]:
        """The record's MIME bundle: HTML, and a text form that counts the turns."""
        exchanges = _exchanges(turns)
        parts = [self._exchange(number, *pair) for number, pair in enumerate(exchanges, 1)]
        count = f"{len(exchanges)} turn{'' if len(exchanges) == 1 else 's'}"
        notice = " · offline emulator" if self.offline else ""
        head = (f'<div style="{MUTED}">AudioChat conversation, {count}{notice}: kept in the notebook, '
                "it plays without the kernel</div>")
        if any("or-audio-download" in part for part in parts):
            head += _RECORD_NOTE
        page = f'<div class="{RECORD_CLASS}">{head}{"".join(parts)}</div>'
        return {"text/html": page, "text/plain": _plain(exchanges, count)}

    def _exchange(self, number: int, user: Any, answer: Any) -> str:
        # each side rendered once; the user's again when its transcript arrives (a reply's audio is
        # compressed when rendered: not redone for a transcript)
        state = (user.heard, user.heard_error)
        mine = self._users.get(number)
        if mine is None or mine[0] != state:
            mine = self._users[number] = (state, user_html(user))
        if answer is None:
            return mine[1]
        if number not in self._done:
            self._done[number] = _answer_html(answer, number)
        return mine[1] + self._done[number]


def _exchanges(turns: list[Any]) -> list[tuple[Any, Any]]:
    """(user turn, the assistant's turn or None) pairs, in order."""
    pairs: list[tuple[Any, Any]] = []
    for turn in turns:
        if turn.role == "user":
            pairs.append((turn, None))
        elif pairs and pairs[-1][1] is None:
            pairs[-1] = (pairs[-1][0], turn)
    return pairs


def _answer_html(answer: Any, number: int) -> str:
    marker = ""
    if getattr(answer, "interrupted", False):
        marker = (f'<div class="or-audio-chat-interrupted" style="{MUTED}">Interrupted: the user spoke over '
                  "this reply; the part that arrived is kept.</div>")
    return marker + _reply_html(answer.reply, number)


def user_html(turn: Any) -> str:
    """A user turn: who spoke and what (never an empty "You:"), each recording as a player on a line of
    its own under that label, and the recording's transcript once known."""
    lines = [f'<div class="or-audio-chat-who">{_who(turn)}</div>']
    for index, part in enumerate(turn.parts):
        audio = part.get("input_audio") or {}
        data, fmt = str(audio.get("data", "")), str(audio.get("format", ""))
        what = html.escape(turn.sources[index]) if index < len(turn.sources) else "audio"
        if is_playable(fmt) and len(data) <= _USER_AUDIO_LIMIT and _BASE64.fullmatch(data):
            # base64 and a MIME type from the table above: nothing to escape
            src = f"data:{mime_type(fmt)};base64,{data}"
            lines.append(f'<audio controls preload="metadata" src="{src}" '
                         'style="display:block;width:100%;max-width:32em;margin:4px 0"></audio>')
        elif data:
            what += " (not kept in the notebook: too large, or a format browsers do not play)"
        lines.append(f'<div style="{MUTED}">{"with audio: " if turn.text else ""}{what}</div>')
    heard, failed = getattr(turn, "heard", None), getattr(turn, "heard_error", None)
    if heard:
        lines.append(f'<div class="or-audio-heard" style="{MUTED}">heard: “{html.escape(heard)}”</div>')
    elif failed and turn.parts:
        lines.append(f'<div class="or-audio-heard" style="{MUTED}">not transcribed ({html.escape(failed)}): '
                     "sent again as audio</div>")
    return f'<div class="or-audio-chat-user" style="margin-top:8px">{"".join(lines)}</div>'


def _who(turn: Any) -> str:
    """The turn's label: the words typed, else what was sent (a hands-free turn has no words)."""
    if turn.text:  # kept as typed: line breaks too
        return f'<b>You</b>: <span style="white-space:pre-wrap">{html.escape(turn.text)}</span>'
    count = len(turn.parts)
    return f"<b>You</b> sent {'a recording' if count == 1 else f'{count} recordings'}:"


def _reply_html(reply: Any, number: int) -> str:
    """A reply as a saved cell shows it, less what the record's header already says (offline, where the
    full-quality audio is: the chat's ``turns``)."""
    from ...core._html import render_reply
    from .._saved import place_audio

    placement = place_audio(reply, embed="auto", limit=_USER_AUDIO_LIMIT)
    markup = render_reply(reply, audio_src=placement.src, mime_type=placement.mime,
                          filename=f"turn-{number}", download=placement.how != "none")
    return markup.replace(_REPLY_NOTE, "")  # the record's head says it once


def _plain(exchanges: list[tuple[Any, Any]], count: str) -> str:
    lines = [f"AudioChat conversation, {count}"]
    for user, answer in exchanges:
        heard = f" [heard: {user.heard}]" if getattr(user, "heard", None) else ""
        lines.append(f"You: {user.text or '(audio)'}{heard}")
        if answer is not None:
            reply = answer.reply
            cost = f", {format_cost(reply.cost)}" if reply.cost else ""
            state = " (interrupted)" if answer.interrupted else "" if reply.complete else " (incomplete)"
            lines.append(f"Reply{state}: {reply.words} [{reply.duration:.1f} s{cost}]")
    return "\n".join(lines)
