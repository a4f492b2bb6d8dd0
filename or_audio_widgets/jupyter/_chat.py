"""AudioChat: one panel to talk to an audio model: record or upload, type, send, hear the reply live.

The reply streams in a background thread (the kernel stays free, so Stop works), feeding a LivePlayer.
The conversation is kept: each turn's words and audio, and later turns carry the earlier ones as context
(an assistant's spoken turn goes back as its transcript). The client, and so the key, is a plain
attribute: nothing secret is ever a synced trait.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as w

from ..core._defaults import DEFAULT_FORMAT, DEFAULT_SPEAK_MODEL, DEFAULT_VOICE
from ..core._formats import OUTPUT_FORMATS, picker_suffixes
from ._chat_record import ChatRecord
from ._conversation import Turn, default_client, feed, model_choices, summary, user_box_html
from ._player import LivePlayer
from ._recorder import Recorder

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
_ACCEPT = ",".join(["audio/*", *picker_suffixes()])


class AudioChat(w.VBox):
    """A conversation with an audio model in one panel.

    ``client``: an :class:`OpenRouterAudio` (default: from ``OPENROUTER_API_KEY``, or the offline emulator
    when ``OR_AUDIO_OFFLINE=1``). ``model``, ``voice`` and ``format`` preselect the pickers. The turns so
    far are in :attr:`turns`; :meth:`send` and :meth:`stop` do what the buttons do.
    """

    def __init__(
        self, client: Any = None, model: str | None = None, voice: str = DEFAULT_VOICE,
        format: str = DEFAULT_FORMAT,
    ) -> None:
        offline = False
        if client is None:
            client, offline = default_client()
        self._client = client  # a plain attribute: never synced, never in saved widget state
        self.offline = offline
        self.turns: list[Turn] = []
        self._record = ChatRecord(offline)  # the conversation as static output, for a reopened notebook
        self._lock = threading.Lock()
        self._stream: Any = None
        self._stop_for: LivePlayer | None = None  # the reply whose stop was asked (a late one is stale)
        self._thread: threading.Thread | None = None
        self.player: LivePlayer | None = None  # the latest reply's player
        self._speaks: dict[str, bool] = {}
        self._load_error: str | None = None
        self._make_pickers(model or DEFAULT_SPEAK_MODEL, voice, format)
        self.recorder = Recorder()
        self.upload = w.FileUpload(accept=_ACCEPT, multiple=False)
        self.prompt = w.Textarea(placeholder="Type a message (optional when you send audio)…")
        self.prompt.layout.width = "100%"
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.stop_button = w.Button(description="Stop reply", icon="stop", disabled=True)
        self.send_button.on_click(lambda _b: self.send())
        self.stop_button.on_click(lambda _b: self.stop())
        notes = ["offline emulator" if offline else "", self._load_error or ""]
        self.status = w.Label(" · ".join(n for n in notes if n))
        self.history = w.VBox()
        pickers = w.HBox([self.model_picker, self.voice_picker, self.format_picker])
        inputs = w.HBox([self.upload, self.send_button, self.stop_button, self.status])
        super().__init__([self.history, pickers, self.recorder, self.prompt, inputs])
        self.add_class("ora-chat")

    def _make_pickers(self, model: str, voice: str, format: str) -> None:
        self.model_picker = w.Dropdown(options=self._model_options(model), value=model, description="Model")
        self.voice_picker = w.Dropdown(options=_with(VOICES, voice), value=voice, description="Voice")
        self.format_picker = w.Dropdown(
            options=_with(OUTPUT_FORMATS, format), value=format, description="Format"
        )
        for picker, width in (
            (self.model_picker, "420px"),
            (self.voice_picker, "190px"),
            (self.format_picker, "170px"),
        ):
            picker.style.description_width = "initial"
            picker.layout.width = width
        self.model_picker.observe(lambda _c: self._sync_pickers(), names="value")
        self._sync_pickers()

    def __repr__(self) -> str:
        exchanges = sum(turn.role == "user" for turn in self.turns)  # a turn: a message and its reply
        turns = f"{exchanges} turn{'' if exchanges == 1 else 's'}"
        return f"<AudioChat {turns}, model={self.model_picker.value!r}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):  # what a front end without widgets shows in the panel's place
            bundle["text/plain"] = "AudioChat panel (needs its kernel); the conversation is kept below it"
        return bundle

    def _ipython_display_(self) -> None:
        """The panel, then the conversation as static output (see :mod:`._chat_record`)."""
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        self._record.show(self.turns)

    # --- actions -----------------------------------------------------------------------------------------

    def send(self, prompt: str | None = None) -> threading.Thread | None:
        """Send the prompt (or ``prompt``), the recording and the uploaded file; the reply streams in a
        background thread, which is returned (None when there was nothing to send)."""
        if self._thread is not None and self._thread.is_alive():
            self._say("A reply is still arriving: press Stop first.")
            return None
        text = (self.prompt.value if prompt is None else prompt).strip()
        from ..errors import OpenRouterAudioError

        try:
            parts, sources = self._audio_inputs()
        except OpenRouterAudioError as exc:  # an unreadable upload: say why, keep the panel usable
            self._say(f"That audio cannot be sent: {exc}")
            return None
        if not text and not parts:
            self._say("Type a message, record or upload audio first.")
            return None
        turn = Turn("user", text, parts, sources)
        messages = [t.message() for t in [*self.turns, turn]]
        self.turns.append(turn)
        self.player = LivePlayer(file_name=f"turn-{sum(t.role == 'user' for t in self.turns)}")
        self.player.on_stop(self._cancel)  # the player's own Stop button, and stop() below
        self.history.children = (*self.history.children, w.HTML(user_box_html(turn)), self.player)
        self.prompt.value = ""
        self.upload.value = ()
        if self.recorder.prepared is not None:
            self.recorder.clear()
        self._busy(True)
        self._record.update(self.turns)
        self._thread = threading.Thread(target=self._run, args=(messages, self.player), daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """Stop the reply now: the connection closes and what arrived is kept (playable, shown as stopped)."""
        if self._thread is None or not self._thread.is_alive() or self.player is None:
            return  # nothing streams: a late click must not cancel the next reply
        self.player.request_stop()  # runs _cancel once, unless the reply has just ended

    def _cancel(self, player: LivePlayer) -> None:
        with self._lock:
            self._stop_for = player
            stream = self._stream if player is self.player else None
        if stream is not None:
            stream.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the reply in progress; True when none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    # --- the stream --------------------------------------------------------------------------------------

    def _run(self, messages: list[dict[str, Any]], player: LivePlayer) -> None:
        # The thread's whole body: whatever happens, the panel ends usable and says what happened.
        try:
            message = self._exchange(messages, player)
        except Exception as exc:
            if not player.finished:
                player.fail(f"{type(exc).__name__}: {exc}")
            message = f"Error: {exc}"
        with self._lock:
            self._stream = None
        self._busy(False)
        self._say(message)
        try:
            self._record.update(self.turns)
        except Exception as exc:  # the live panel has the reply: a record that fails must not hide it
            self._say(f"{message} (not kept as static output: {exc})")

    def _exchange(self, messages: list[dict[str, Any]], player: LivePlayer) -> str:
        model = str(self.model_picker.value)
        audio = {"voice": self.voice_picker.value, "format": self.format_picker.value}
        stream = self._client.open(messages, model=model, audio=audio if self._speaks.get(model) else None)
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
        self.turns.append(Turn("assistant", reply.words, reply=reply))
        return summary(reply, self.offline, stopped=player.stop_requested)

    # --- panel state ---------------------------------------------------------------------------------------

    def _audio_inputs(self) -> tuple[list[dict[str, Any]], list[str]]:
        from ..core._inputs import prepare_audio

        prepared = []
        if self.recorder.prepared is not None:
            prepared.append(self.recorder.prepared)
        for item in self.upload.value:
            prepared.append(prepare_audio(bytes(item["content"])))
            prepared[-1] = _renamed(prepared[-1], str(item.get("name") or "upload"))
        return [p.part for p in prepared], [_describe(p) for p in prepared]

    def _model_options(self, wanted: str) -> list[tuple[str, str]]:
        from ..errors import OpenRouterAudioError

        try:
            found = model_choices(self._client)
        except OpenRouterAudioError as exc:
            self._load_error = f"Could not list models: {exc}"
            found = []
        self._speaks = dict(found)
        if wanted not in self._speaks:
            found.insert(0, (wanted, True))  # a model the list does not know: trust the caller
            self._speaks[wanted] = True
        return [(f"{mid} ({'speaks' if speaks else 'listens, text reply'})", mid) for mid, speaks in found]

    def _sync_pickers(self) -> None:
        speaks = self._speaks.get(str(self.model_picker.value), True)
        self.voice_picker.disabled = self.format_picker.disabled = not speaks

    def _busy(self, busy: bool) -> None:
        self.send_button.disabled = busy
        self.stop_button.disabled = not busy
        if busy:
            self._say("Streaming… (Stop keeps what has arrived)")

    def _say(self, text: str) -> None:
        self.status.value = text  # a Label: shown as text, never HTML


def _describe(prepared: Any) -> str:
    return f"{prepared.source_name} ({prepared.duration:.1f} s, {prepared.format})"


def _renamed(prepared: Any, name: str) -> Any:
    import dataclasses

    return dataclasses.replace(prepared, source_name=name)


def _with(options: tuple[str, ...], value: str) -> list[str]:
    return list(options) if value in options else [value, *options]
