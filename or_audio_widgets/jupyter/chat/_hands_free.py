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

from ..widgets._player import LivePlayer

#: How long a spoken turn waits for the reply it interrupted to wind down before giving up.
_WIND_DOWN = 30.0

LISTENING = "Hands-free: listening… speak, and pause to send."
REPLYING = "Hands-free: replying… speak to interrupt."


class HandsFree:
    """The hands-free part of :class:`AudioChat` (a mixin over :class:`ChatTurns`)."""

    recorder: Any
    player: LivePlayer | None
    hands_free: w.ToggleButton
    _idle: threading.Event
    _interrupting: LivePlayer | None
    _begin: Callable[..., Any]  # ChatTurns'
    _run: Callable[..., Any]
    _say: Callable[[str], None]  # the panel's

    def _init_hands_free(self) -> None:
        self.hands_free = w.ToggleButton(
            value=False, description="Hands-free", icon="microphone",
            tooltip="Listen continuously: a pause after speech sends the turn; speak over a reply to stop it",
        )
        self.hands_free.observe(lambda change: self._hands_free_changed(bool(change["new"])), names="value")
        self.recorder.on_speech(self._speech_began)
        self.recorder.on_turn(self._spoken_turn)
        self.recorder.on_hands_free_off(self._hands_free_lost)

    def _hands_free_changed(self, on: bool) -> None:
        self.recorder.hands_free = on
        self._say(LISTENING if on else "Hands-free is off: record and press Send.")

    def _hands_free_lost(self, reason: str) -> None:
        self.hands_free.value = False  # the toggle shows it: the person can turn it on again
        self._say(f"Hands-free stopped: {reason}")

    def _speech_began(self) -> None:
        player = self.player
        if self._idle.is_set() or player is None:
            return
        self._interrupting = player
        if player.request_stop():
            self._say("Interrupted: listening to you…")

    def _spoken_turn(self, prepared: Any, times: dict[str, float]) -> None:
        threading.Thread(target=self._run_spoken, args=(prepared, times), daemon=True).start()

    def _run_spoken(self, prepared: Any, times: dict[str, float]) -> None:
        if not self._idle.wait(_WIND_DOWN):
            self._say("A spoken turn was dropped: the previous reply did not end.")
            return
        begun = self._begin("", prepared, times)
        if begun is None:
            return
        self.recorder.tell(REPLYING)
        self._run(*begun)

    def _turn_ended(self, turn: Any) -> None:
        if self.recorder.hands_free:
            self.recorder.tell(LISTENING)
