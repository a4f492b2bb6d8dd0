"""How AudioChat runs a turn: the same path for :meth:`send` from code, the Send button and hands-free.

A turn is begun on the caller's thread (the inputs checked, the question shown, a player made), then run:
the history built (earlier recordings as their transcripts, see :mod:`._history`), the request sent, the
reply streamed into the player, the new recording transcribed in the background while it streams. From
code the run blocks and returns the reply; the button and hands-free run it in a background thread, so the
kernel stays free for Stop and for the page's messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import ipywidgets as w

from ..widgets._feed import feed
from ..widgets._player import LivePlayer
from ._conversation import Turn, summary, user_box_html
from ._history import Transcriber, history_messages


class Panel(Protocol):
    """What a turn needs of the chat's panel: its inputs, its history and status line, and its state.

    :class:`~._chat.AudioChat` is the one panel; the protocol names everything :class:`Turns` reads or
    changes of it, so a reader sees a turn's whole dependency here."""

    turns: list[Turn]
    offline: bool
    keep_audio: int
    history: w.VBox
    _client: Any
    _record: Any
    _speaks: dict[str, bool]
    _transcriber: Transcriber | None

    def prompt_text(self) -> str: ...
    def audio_inputs(self, audio: Any) -> tuple[list[dict[str, Any]], list[str]]: ...
    def clear_inputs(self, prompt: bool, audio: bool) -> None: ...
    def picked_model(self) -> str: ...
    def picked_voice(self) -> str: ...
    def picked_format(self) -> str: ...
    def busy(self, busy: bool) -> None: ...
    def say(self, text: str) -> None: ...


class Turns:
    """Runs the turns of one chat panel, one at a time, from code, the Send button or hands-free.

    ``turn_ended`` is called after each turn (hands-free listens again then).
    """

    def __init__(self, panel: Panel, turn_ended: Callable[[Turn], None] | None = None) -> None:
        self._panel = panel
        self.turn_ended: Callable[[Turn], None] = turn_ended or (lambda _turn: None)
        self.player: LivePlayer | None = None  # the latest reply's player
        self.interrupting: LivePlayer | None = None  # the reply a barge-in stopped
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()
        self._stream: Any = None
        self._stop_for: LivePlayer | None = None  # the reply whose stop was asked (a late one is stale)
        self._thread: threading.Thread | None = None
        self._boxes: dict[int, w.HTML] = {}  # id(user turn) -> its box in the history

    # --- public ------------------------------------------------------------------------------------------

    def send(self, text: str | None = None, audio: Any = None) -> Any:
        """Run one turn and return its :class:`AudioReply` once it has ended (complete or not).

        ``text`` defaults to the prompt box; ``audio`` (a file path, bytes, an array, a
        :class:`PreparedAudio`, or a list of them) defaults to the panel's recording and uploaded file.
        Returns None, with the reason in the status line, when there is nothing to send or a reply is
        still arriving.
        """
        begun = self.begin(text, audio)
        return None if begun is None else self.run(*begun)

    def stop(self) -> None:
        """Stop the reply now: the connection closes and what arrived is kept (playable, shown as stopped)."""
        if self.idle.is_set() or self.player is None:
            return  # nothing streams: a late click must not cancel the next reply
        self.player.request_stop()  # runs _cancel once, unless the reply has just ended

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the reply in progress; True when none is running any more."""
        return self.idle.wait(timeout)

    # --- a turn --------------------------------------------------------------------------------------------

    def in_background(self, text: str | None = None, audio: Any = None) -> threading.Thread | None:
        """Begin a turn here and run it on a thread of its own (the Send button: the kernel stays free)."""
        begun = self.begin(text, audio)
        if begun is None:
            return None
        self._thread = threading.Thread(target=self.run, args=begun, daemon=True)
        self._thread.start()
        return self._thread

    def begin(self, text: str | None, audio: Any, times: dict[str, float] | None = None
              ) -> tuple[Turn, LivePlayer] | None:
        """Check the inputs and show the question with a new player (on the caller's thread); None, with
        the reason in the status line, when there is nothing to send or a reply is still arriving."""
        from ...errors import OpenRouterAudioError

        if not self.idle.is_set():
            self._panel.say("A reply is still arriving: press Stop first.")
            return None
        words = (self._panel.prompt_text() if text is None else text).strip()
        try:
            parts, sources = self._panel.audio_inputs(audio)
        except (OpenRouterAudioError, ValueError) as exc:  # unreadable audio: say why, keep the panel usable
            self._panel.say(f"That audio cannot be sent: {exc}")
            return None
        if not words and not parts:
            self._panel.say("Type a message, record or upload audio first.")
            return None
        with self._lock:
            if not self.idle.is_set():
                self._panel.say("A reply is still arriving: press Stop first.")
                return None
            self.idle.clear()
        turn = Turn("user", words, parts, sources, times=dict(times or {}))
        self._panel.turns.append(turn)
        # the panel's Stop reply (beside Send) is the one on screen: the player's own stays hidden
        asked = sum(t.role == "user" for t in self._panel.turns)
        player = LivePlayer(file_name=f"turn-{asked}", show_stop=False)
        player.on_stop(self._cancel)  # the panel's Stop reply, stop() and barge-in
        self.player = player
        box = turn_box(user_box_html(turn))
        self._boxes[id(turn)] = box
        self._panel.history.children = (*self._panel.history.children, box, player)
        self._panel.clear_inputs(text is None, audio is None)
        self._panel.busy(True)
        self._panel._record.update(self._panel.turns)
        return turn, player

    def run(self, turn: Turn, player: LivePlayer) -> Any:
        """Run a begun turn to its end and return the reply (None when it failed before one began).
        Whatever happens, the panel ends usable and says what happened."""
        reply = None
        try:
            reply = self._exchange(turn, player)
            message = summary(reply, self._panel.offline, stopped=player.stop_requested)
        except Exception as exc:
            if not player.finished:
                player.fail(f"{type(exc).__name__}: {exc}")
            message = f"Error: {exc}"
        with self._lock:
            self._stream = None
        self._panel.busy(False)
        self._panel.say(message)
        try:
            self._panel._record.update(self._panel.turns)
        except Exception as exc:  # the live panel has the reply: a record that fails must not hide it
            self._panel.say(f"{message} (not kept as static output: {exc})")
        self.idle.set()
        self.turn_ended(turn)
        return reply

    def _exchange(self, turn: Turn, player: LivePlayer) -> Any:
        model = str(self._panel.picked_model())
        audio = {"voice": self._panel.picked_voice(), "format": self._panel.picked_format()}
        turn.times["begun"] = time.time()
        panel = self._panel
        messages = history_messages(panel.turns, keep_audio=panel.keep_audio, transcriber=panel._transcriber)
        turn.times["request"] = time.time()
        try:
            stream = self._panel._client.open(messages, model=model,
                                       audio=audio if self._panel._speaks.get(model) else None)
        finally:
            self._transcribe(turn)  # while the reply streams (or even when it was refused: it is kept)
        turn.times["open"] = time.time()
        with self._lock:
            self._stream = stream
            if self._stop_for is player:
                stream.cancel()
        try:
            feed(stream, player)
        finally:
            stream.close()
        reply = stream.reply
        player.finish(reply)
        interrupted = player.stop_requested and self.interrupting is player and not reply.complete
        self._panel.turns.append(Turn("assistant", reply.words, reply=reply, interrupted=interrupted))
        if interrupted:
            self._panel.history.children = (*self._panel.history.children, turn_box(_INTERRUPTED))
        if player.first_chunk_time is not None:
            turn.times["first_audio"] = player.first_chunk_time
        return reply

    def _cancel(self, player: LivePlayer) -> None:
        with self._lock:
            self._stop_for = player
            stream = self._stream if player is self.player else None
        if stream is not None:
            stream.cancel()

    # --- transcripts ---------------------------------------------------------------------------------------

    def _transcribe(self, turn: Turn) -> None:
        if self._panel._transcriber is None or not turn.parts:
            return
        future = self._panel._transcriber.start(turn)
        if future is not None:
            future.add_done_callback(lambda done: self._heard(turn, done))

    def _heard(self, turn: Turn, done: Any) -> None:
        if done.cancelled():
            return
        error = done.exception()
        if error is not None:
            turn.heard_error = f"{type(error).__name__}: {error}"
        box = self._boxes.get(id(turn))
        if box is not None:
            box.value = user_box_html(turn)
        if error is not None:
            self._panel.say(f"The recording could not be transcribed ({turn.heard_error}); it goes again as "
                      "audio with the next turn, so nothing is lost.")
        if self.idle.is_set():
            self._panel._record.update(self._panel.turns)


def turn_box(markup: str) -> w.HTML:
    """An HTML widget of the history, as tall as what it holds (widgets.css: ipywidgets gives an HTML
    widget one line's height, and a recording's player overflowed it, drawn above its own label)."""
    box = w.HTML(markup)
    box.add_class("ora-turn")
    return box


_INTERRUPTED = ('<div class="ora-interrupted">↳ Interrupted: you spoke over it; the part that arrived '
                'is kept.</div>')
