"""Helpers for the browser tests: the kernel's setup code, and reading the players' state in the page."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

Report = Callable[[str, Any], None]  # the ``report`` fixture: report(name, value) records a figure

# Run once in the kernel (by the ``notebook`` fixture).
SETUP = """
import json
from or_audio_widgets import AudioDelta, OpenRouterAudio, TextDelta, TranscriptDelta, start_emulator
from or_audio_widgets.jupyter._widgets import LivePlayer

_emu = start_emulator(port=0, realtime=1.0)
_client = OpenRouterAudio("offline", base_url=_emu.base_url)

# When each stream's first audio chunk came out of the client (ms since the epoch): the moment it
# "reached the kernel", whoever feeds the player afterwards (the magics' display, or stream_into).
import time
from or_audio_widgets.client import _replystream
first_audio_at = []
stream_ended_at = []  # when each stream's last event came out of the client
_plain_iter = _replystream.ReplyStream.__iter__

def _timed_iter(self):
    seen = False
    try:
        for event in _plain_iter(self):
            if isinstance(event, AudioDelta) and not seen:
                seen = True
                first_audio_at.append(time.time() * 1000)
            yield event
    finally:
        stream_ended_at.append(time.time() * 1000)

_replystream.ReplyStream.__iter__ = _timed_iter

def stream_into(player, prompt, on_stop=None, **headers):
    # What a notebook author would write: each event goes to the player as it arrives. on_stop(player)
    # runs when the player's Stop is pressed, and the stream is cancelled.
    headers = {k.replace("_", "-"): str(v) for k, v in headers.items()}
    audio = {"voice": "alloy", "format": "wav"}
    with _client.open(prompt, model="openai/gpt-audio-mini", audio=audio, headers=headers) as s:
        if on_stop is not None:
            player.on_stop(lambda p: (on_stop(p), s.cancel()))
        for event in s:
            if isinstance(event, (TranscriptDelta, TextDelta)):
                player.append_transcript(event.text)
            elif isinstance(event, AudioDelta):
                player.append_pcm(event.data)
        reply = s.reply
    player.finish(reply)
    return reply
"""


CHAT_REQUEST_SHAPE = """
def chat_request_shape(chat):
    # What the offline emulator received for the chat's last turn, and what the chat kept.
    from or_audio_widgets.jupyter import _offline
    posts = [r for r in _offline.current_emulator().requests if r.path.endswith("/chat/completions")]
    messages = posts[-1].json["messages"]
    first = messages[0]["content"]
    return {
        "roles": [m["role"] for m in messages],
        "first_user_parts": [p.get("type") for p in first] if isinstance(first, list) else [],
        "assistant": messages[1]["content"],
        "last_user": messages[-1]["content"],
        "turns": len(chat.turns),
        "stopped_reply_kept_s": chat.turns[-1].reply.duration,
    }
"""


def players(page: Any) -> list[str]:
    """The ids of the players whose debug records the page keeps (the most recent ones), oldest first."""
    return list(page.evaluate("() => Object.keys((window.__orAudio || {players: {}}).players)"))


def debug(page: Any, player_id: str) -> dict[str, Any]:
    """A player's debug record: counts, schedule and transcript (bounded), never its audio."""
    return dict(page.evaluate("(id) => window.__orAudio.players[id]", player_id))


def held_bytes(page: Any) -> int:
    """The bytes of audio every widget in the page holds right now, by the widgets' own count."""
    return int(page.evaluate("() => ((window.__orAudio || {}).held || { bytes: 0 }).bytes"))


def new_player(page: Any, before: list[str], timeout: float = 60.0) -> str:
    """The id of the first player that appeared in the page after ``before`` was taken."""
    page.wait_for_function(
        """(before) => window.__orAudio && window.__orAudio.players
            && Object.keys(window.__orAudio.players).some((id) => !before.includes(id))""",
        arg=before,
        timeout=timeout * 1000,
    )
    return next(p for p in players(page) if p not in before)


def contiguity_error(schedule: list[dict[str, float]]) -> float:
    """Largest distance (seconds) between a buffer's start and the previous buffer's end (on the page's
    audio clock: ``played``, longer than the chunk's ``duration`` when the player stretched it)."""
    pairs = itertools.pairwise(schedule)
    gaps = [abs(b["start"] - (a["start"] + a.get("played", a["duration"]))) for a, b in pairs]
    return max(gaps, default=0.0)


def audio_duration(locator: Any) -> float:
    """Wait for the <audio> element to load its metadata; its duration in seconds."""
    locator.wait_for(state="attached", timeout=20_000)
    return float(
        locator.evaluate(
            """(a) => new Promise((resolve, reject) => {
                if (a.readyState >= 1) return resolve(a.duration);
                a.addEventListener("loadedmetadata", () => resolve(a.duration), { once: true });
                const fail = () => reject(new Error("audio error " + (a.error && a.error.code)));
                a.addEventListener("error", fail);
                const late = () => reject(new Error("no audio metadata in 20 s: " + a.src.slice(0, 40)));
                setTimeout(late, 20000);
                a.load();
            })"""
        )
    )


def seek(audio: Any, to: float) -> float:
    """Seek the <audio> element to ``to`` seconds; where it landed."""
    return float(
        audio.evaluate(
            """(a, to) => new Promise((resolve) => {
                a.addEventListener("seeked", () => resolve(a.currentTime), { once: true });
                a.currentTime = to;
            })""",
            to,
        )
    )


def notebook_value(notebook: Any, expression: str) -> str:
    """Evaluate ``expression`` in the kernel (printed by a new cell) and return its text."""
    cell = notebook.execute(f"print({expression})")
    return str(cell.locator(".jp-OutputArea-output").last.inner_text()).strip()


def plays(page: Any, audio: Any) -> bool:
    """Start ``audio`` playing and wait until its clock moves."""
    handle = audio.element_handle()
    handle.evaluate("(a) => { a.currentTime = 0; return a.play(); }")
    page.wait_for_function("(a) => a.currentTime > 0", arg=handle, timeout=30_000)
    handle.evaluate("(a) => a.pause()")
    return True


def wait_done(page: Any, player_id: str) -> None:
    page.wait_for_function(
        "(id) => window.__orAudio.players[id].state === 'done'", arg=player_id, timeout=60_000
    )
