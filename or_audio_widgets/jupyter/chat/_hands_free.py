"""AudioChat's hands-free mode: the page listens, each spoken turn is sent on its own, speech over a reply
stops it (barge-in).

The page decides when speech begins and ends (recorder_vad.js); the kernel is told both. Speech beginning
while a reply streams stops that reply: its player stops (the page has already silenced it), the
connection closes so generation and billing stop, and the partial reply stays in the history marked as
interrupted. The take then arrives and runs as a turn, through the same path as :meth:`send`, in a
background thread, so the kernel stays free for the page's next message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ._chat_turns import Turns

#: How long a spoken turn waits for the reply it interrupted to wind down before giving up.
_WIND_DOWN = 30.0

LISTENING = "Hands-free: listening… speak, and pause to send."
REPLYING = "Hands-free: replying… speak to interrupt."


class HandsFree:
    """The hands-free toggle of a chat panel and what it does: it works through the panel's
    :class:`~._chat_turns.Turns` (``turns``) and ``recorder``, and speaks on the status line (``say``)."""

    def __init__(self, turns: Turns, recorder: Any, say: Callable[[str], None]) -> None:
        self._turns = turns
        self._recorder = recorder
        self._say = say
        self.toggle = w.ToggleButton(
            value=False, description="Hands-free", icon="microphone",
            tooltip="Listen continuously: a pause after speech sends the turn; speak over a reply to stop it",
        )
        self.toggle.observe(lambda change: self._changed(bool(change["new"])), names="value")
        recorder.on_speech(self._speech_began)
        recorder.on_turn(self._spoken_turn)
        recorder.on_hands_free_off(self._lost)
        turns.turn_ended = self.turn_ended

    def _changed(self, on: bool) -> None:
        self._recorder.hands_free = on
        self._say(LISTENING if on else "Hands-free is off: record and press Send.")

    def _lost(self, reason: str) -> None:
        self.toggle.value = False  # the toggle shows it: the person can turn it on again
        self._say(f"Hands-free stopped: {reason}")

    def _speech_began(self) -> None:
        player = self._turns.player
        if self._turns.idle.is_set() or player is None:
            return
        self._turns.interrupting = player
        if player.request_stop():
            self._say("Interrupted: listening to you…")

    def _spoken_turn(self, prepared: Any, times: dict[str, float]) -> None:
        threading.Thread(target=self._run_spoken, args=(prepared, times), daemon=True).start()

    def _run_spoken(self, prepared: Any, times: dict[str, float]) -> None:
        if not self._turns.idle.wait(_WIND_DOWN):
            self._say("A spoken turn was dropped: the previous reply did not end.")
            return
        begun = self._turns.begin("", prepared, times)
        if begun is None:
            return
        self._recorder.tell(REPLYING)
        self._turns.run(*begun)

    def turn_ended(self, turn: Any) -> None:
        """After each turn: listening again, when hands-free is on."""
        if self._recorder.hands_free:
            self._recorder.tell(LISTENING)
