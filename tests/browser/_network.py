"""The page's connection made slow on purpose, and what the live player heard over it.

Chromium's own network emulation (the DevTools protocol's ``Network.emulateNetworkConditions``) delays and
throttles everything the page receives, the kernel's websocket included (:class:`Link`). It has no jitter
of its own, and a latency changed while a message is on its way does not move that message; so jitter, a
stall and messages out of order are made in the kernel instead (``KERNEL``): each message the live players
send waits a random extra time on a queue of its own, in order, after the player has stamped it, as if the
network had held it.

:func:`heard` turns a player's debug record into the figures of the issue's table: gaps (the player's
underruns), the first sound's delay after the first chunk reached the kernel, and the bytes sent to the page
per second of audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Run once in the kernel: every LivePlayer's messages go through one queue that can hold them (jitter, a
# stall) and, on demand, send a chunk after the next one and again after a reconnect's replay (duplicates).
KERNEL = """
import queue as _net_queue, random as _net_random, threading as _net_threading, time as _net_time
from or_audio_widgets.jupyter.widgets._player import LivePlayer as _NetPlayer

_net = {"jitter_ms": 0.0, "stall_seq": None, "stall_s": 0.0, "swap_seq": None, "due": 0.0,
        "random": _net_random.Random(22), "held": None}
_net_out = _net_queue.Queue()
_net_send, _net_close = _NetPlayer.send, _NetPlayer.close

def _net_sender():
    while True:
        due, player, content, buffers = _net_out.get()
        _net_time.sleep(max(0.0, due - _net_time.monotonic()))
        if content is None:
            _net_close(player)
        else:
            _net_send(player, content, buffers=buffers)

def _net_post(self, content, buffers=None):
    n = _net
    if not (n["jitter_ms"] or n["stall_seq"] is not None or n["swap_seq"] is not None):
        return _net_send(self, content, buffers=buffers)
    now = _net_time.monotonic()
    audio = content.get("t") in ("pcm", "opus") and not content.get("replay")
    seq = content.get("seq") if audio else None
    if seq is not None and seq == n["swap_seq"]:
        n["held"] = (content, buffers)  # goes after the next chunk
        return None
    wait = n["random"].uniform(0, n["jitter_ms"] / 1000)
    if seq is not None and seq == n["stall_seq"]:
        wait = n["stall_s"]
    n["due"] = max(n["due"], now + wait)  # a network delays messages, it keeps their order
    _net_out.put((n["due"], self, content, buffers))
    if n["held"] is not None and seq is not None:
        held, n["held"] = n["held"], None
        _net_out.put((n["due"], self, *held))
        # and again, as a reconnect's replay would: chunks the page has already
        _net_out.put((n["due"], self, {"t": "pcm", "seq": held[0]["seq"], "replay": True}, held[1]))
    return None

def _net_closing(self):
    if not (_net["jitter_ms"] or _net["stall_seq"] is not None or _net["swap_seq"] is not None):
        return _net_close(self)
    _net_out.put((_net["due"], self, None, None))  # after what the player sent before closing

def _net_forget():
    from or_audio_widgets.jupyter.widgets._player_link import _LAST_PAGE
    _LAST_PAGE.pop("bps", None)

_NetPlayer.send = _net_post
_NetPlayer.close = _net_closing
_net_threading.Thread(target=_net_sender, daemon=True, name="network").start()
"""


@dataclass(frozen=True)
class Condition:
    """A connection: latency added to what the page receives, its throughput (0: no limit), and jitter
    (each message held a further 0 to ``jitter_ms``)."""

    name: str
    latency_ms: float = 0.0
    kbps: float = 0.0
    jitter_ms: float = 0.0

    @property
    def emulated(self) -> bool:
        return bool(self.latency_ms or self.kbps)


LOCAL = Condition("local")
NEAR = Condition("150 ms, 2 Mbps", 150, 2000)
FAR = Condition("300 ms, 600 kbps", 300, 600)
JITTERY = Condition("150 ms, 2 Mbps, 0-150 ms jitter", 150, 2000, 150)
CONDITIONS = (LOCAL, NEAR, FAR, JITTERY)


class Link:
    """``notebook``'s page on the connection ``condition``, until :meth:`clear`.

    The notebook's kernel must have run ``KERNEL``. A fresh page on the connection is what is measured: what
    the players of the page learnt on another connection is forgotten.
    """

    def __init__(self, notebook: Any, condition: Condition) -> None:
        self.notebook, self.condition = notebook, condition
        page = notebook.page
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        page.evaluate("() => { if (window.__orAudio) delete window.__orAudio.link; }")
        # and the kernel forgets the throughput its pages told it (the code the page holds stays)
        notebook.execute(f"_net['jitter_ms'] = {condition.jitter_ms}\n_net_forget()")
        if condition.emulated:
            self._apply(condition.latency_ms, condition.kbps)

    def _apply(self, latency_ms: float, kbps: float) -> None:
        rate = kbps * 1000 / 8 if kbps else -1  # bytes per second; -1: no limit
        self.session.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": latency_ms, "downloadThroughput": rate, "uploadThroughput": rate},
        )

    def clear(self) -> None:
        """Back to the page's own connection."""
        self._apply(0, 0)
        self.session.detach()
        self.notebook.execute("_net.update(jitter_ms=0.0, stall_seq=None, swap_seq=None)")


def heard(info: dict[str, Any]) -> dict[str, Any]:
    """The issue's figures from a player's debug record (see ``player_state.js``)."""
    seconds = float(info["scheduledSeconds"]) or 1e-9
    sent = float(info["bytesReceived"]) + float(info["jsonBytes"])
    first_sound = first_delay = first_wait = None
    if info["firstScheduled"] is not None and info["firstChunkKernelTs"] is not None:
        first_sound = info["firstScheduled"] + 1000 * info["firstLead"] - info["firstChunkKernelTs"]
        # first sound = the first message's delay + its wait (decoding) + the lead it was given
        first_delay = info["firstChunkArrived"] - info["firstChunkKernelTs"]
        first_wait = info["firstScheduled"] - info["firstChunkArrived"]
    return {
        "gaps": int(info["underruns"]),
        "first_sound_ms": None if first_sound is None else round(first_sound, 1),
        "audio_s": round(seconds, 3),
        "bytes_per_audio_s": round(sent / seconds),
        "first_delay_ms": None if first_delay is None else round(first_delay, 1),
        "first_wait_ms": None if first_wait is None else round(first_wait, 1),
        "first_lead_s": round(float(info["firstLead"] or 0), 3),
        "last_lead_s": round(float(info.get("lead") or 0), 3),
        "stretched": int(info.get("stretched", 0)),
    }


PROMPT = "Please read this sentence aloud, slowly, so that the reply takes a few seconds to arrive."


def oraudio_reply(notebook: Any, prompt: str = PROMPT) -> dict[str, Any]:
    """One ``%%oraudio`` reply at the speed of speech: the player's debug record."""
    return reply_of(notebook, f"%%oraudio\n{prompt}")


def reply_of(notebook: Any, code: str) -> dict[str, Any]:
    """Run ``code``, which shows one live player: its debug record once the reply has ended, and the index
    of the cell (``"cell"``)."""
    from _browser_pages import new_player, players

    page = notebook.page
    before = players(page)
    index = notebook.run(code)
    player_id = new_player(page, before, timeout=60)
    notebook.wait(index, timeout=120)
    # The magics close the live widget as the reply ends: its record stays, released.
    page.wait_for_function(
        "(id) => { const d = window.__orAudio.players[id]; return d.endedAt !== null || d.released; }",
        arg=player_id,
    )
    return {**page.evaluate("(id) => window.__orAudio.players[id]", player_id), "cell": index}
