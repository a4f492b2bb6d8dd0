"""AudioChat: one panel to talk to an audio model: record or upload, type, send, hear the reply live, or
just talk (hands-free).

The panel holds its parts: a turn runs as :class:`._chat_turns.Turns` says (from code, the button or
hands-free, the same way), feeding a LivePlayer; :class:`._hands_free.HandsFree` listens and barges in.
The conversation is kept: each turn's words and audio; later turns carry the earlier ones as context (an
assistant's spoken turn as its transcript, an earlier recording as what it was heard as). The client, and
so the key, is a plain attribute: nothing secret is ever a synced trait.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...core._defaults import DEFAULT_FORMAT, DEFAULT_SPEAK_MODEL, DEFAULT_TRANSCRIBE_MODEL, DEFAULT_VOICE
from ...core._formats import OUTPUT_FORMATS, picker_suffixes
from ..widgets._player import LivePlayer
from ..widgets._recorder import Recorder
from ._chat_record import ChatRecord
from ._chat_turns import Turns
from ._conversation import Turn, default_client, model_choices
from ._hands_free import HandsFree
from ._history import Transcriber

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
_ACCEPT = ",".join(["audio/*", *picker_suffixes()])


class AudioChat(w.VBox):
    """A conversation with an audio model in one panel.

    ``client``: an :class:`OpenRouterAudio` (default: from ``OPENROUTER_API_KEY``, or the offline emulator
    when ``OR_AUDIO_OFFLINE=1``). ``model``, ``voice`` and ``format`` preselect the pickers. The turns so
    far are in :attr:`turns`; :meth:`send` runs a turn from code and returns its reply; :meth:`stop` does
    what the Stop button does.

    Each recording is transcribed once with ``transcription_model`` (default ``openai/whisper-1``; None:
    never) while its reply streams; later requests carry it as that text and only the newest
    ``keep_audio`` recordings as audio. The Hands-free toggle listens continuously: a pause of
    ``end_silence`` seconds after speech sends the turn, and speaking over a reply stops it.
    """

    def __init__(
        self, client: Any = None, model: str | None = None, voice: str = DEFAULT_VOICE,
        format: str = DEFAULT_FORMAT, *, transcription_model: str | None = DEFAULT_TRANSCRIBE_MODEL,
        keep_audio: int = 1, end_silence: float = 0.7,
    ) -> None:
        offline = False
        if client is None:
            client, offline = default_client()
        self._client = client  # a plain attribute: never synced, never in saved widget state
        self.offline = offline
        self.turns: list[Turn] = []
        self.keep_audio = keep_audio
        self._transcriber = _transcriber(client, transcription_model)
        self._record = ChatRecord(offline)  # the conversation as static output, for a reopened notebook
        self._turns = Turns(self)
        self._speaks: dict[str, bool] = {}
        self._load_error: str | None = None
        self._make_pickers(model or DEFAULT_SPEAK_MODEL, voice, format)
        self.recorder = Recorder(end_silence=end_silence)
        self._hands = HandsFree(self._turns, self.recorder, self.say)
        self.hands_free = self._hands.toggle
        self.upload = w.FileUpload(accept=_ACCEPT, multiple=False)
        self.prompt = w.Textarea(placeholder="Type a message (optional when you send audio)…")
        self.prompt.layout.width = "100%"
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.stop_button = w.Button(description="Stop reply", icon="stop", disabled=True)
        self.send_button.on_click(lambda _b: self._turns.in_background())
        self.stop_button.on_click(lambda _b: self.stop())
        notes = ["offline emulator" if offline else "", self._load_error or ""]
        self.status = w.Label(" · ".join(n for n in notes if n))
        self.status.add_class("ora-chat-status")  # a line of its own that wraps (widgets.css): never cut
        self.history = w.VBox()
        super().__init__([self.history, *self._rows()])
        self.add_class("ora-chat")

    # --- public --------------------------------------------------------------------------------------------

    @property
    def player(self) -> LivePlayer | None:
        """The latest reply's player (None before the first turn)."""
        return self._turns.player

    def send(self, text: str | None = None, audio: Any = None) -> Any:
        """Run one turn and return its :class:`AudioReply` once it has ended (complete or not).

        ``text`` defaults to the prompt box; ``audio`` (a file path, bytes, an array, a
        :class:`PreparedAudio`, or a list of them) defaults to the panel's recording and uploaded file.
        Returns None, with the reason in the status line, when there is nothing to send or a reply is
        still arriving.
        """
        return self._turns.send(text, audio)

    def stop(self) -> None:
        """Stop the reply now: the connection closes and what arrived is kept (playable, shown as stopped)."""
        self._turns.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the reply in progress; True when none is running any more."""
        return self._turns.wait(timeout)

    def _rows(self) -> list[w.Widget]:
        # Rows wrap and buttons keep their words, so a narrow notebook (a side panel open) cuts nothing.
        wrap = {"flex_flow": "row wrap", "align_items": "center"}
        pickers = w.HBox([self.model_picker, self.voice_picker, self.format_picker], layout=wrap)
        buttons = (self.upload, self.send_button, self.stop_button, self.hands_free)
        for button in buttons:
            button.layout.width = "auto"
            button.layout.flex = "0 0 auto"
        return [pickers, self.recorder, self.prompt, w.HBox(list(buttons), layout=wrap), self.status]

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
            picker.layout.max_width = "100%"
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

    def close(self) -> None:
        """Stop a reply that streams, let go of the transcription thread, and close the panel with every
        widget in it (players, recorder, pickers); :attr:`turns` keeps the conversation."""
        if hasattr(self, "_turns"):  # also called on a chat whose construction failed (Widget.__del__)
            self.stop()
        transcriber = getattr(self, "_transcriber", None)
        if transcriber is not None:
            transcriber.close()
        _close_all(getattr(self, "children", ()))
        super().close()

    def _ipython_display_(self) -> None:
        """The panel, then the conversation as static output (see :mod:`._chat_record`)."""
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        self._record.show(self.turns)

    # --- what a turn reads and changes of the panel (chat_turns.Panel) -------------------------------------

    def prompt_text(self) -> str:
        """The words in the prompt box."""
        return str(self.prompt.value)

    def picked_model(self) -> str:
        """The model picked."""
        return str(self.model_picker.value)

    def picked_voice(self) -> str:
        """The voice picked."""
        return str(self.voice_picker.value)

    def picked_format(self) -> str:
        """The audio format picked."""
        return str(self.format_picker.value)

    def clear_inputs(self, prompt: bool, audio: bool) -> None:
        """Empty the prompt box (``prompt``), the recording and the upload (``audio``) once they are sent."""
        if prompt:
            self.prompt.value = ""
        if audio:
            self.upload.value = ()
            if self.recorder.prepared is not None:
                self.recorder.clear()

    # --- panel state ---------------------------------------------------------------------------------------

    def audio_inputs(self, audio: Any = None) -> tuple[list[dict[str, Any]], list[str]]:
        """The audio parts of a turn and their descriptions: ``audio`` given to :meth:`send`, else the
        panel's recording and uploaded file."""
        from ...core._inputs import PreparedAudio, prepare_audio

        prepared = []
        if audio is not None:
            for source in audio if isinstance(audio, (list, tuple)) else [audio]:
                prepared.append(source if isinstance(source, PreparedAudio) else prepare_audio(source))
        else:
            if self.recorder.prepared is not None:
                prepared.append(self.recorder.prepared)
            for item in self.upload.value:
                prepared.append(prepare_audio(bytes(item["content"])))
                prepared[-1] = _renamed(prepared[-1], str(item.get("name") or "upload"))
        return [p.part for p in prepared], [_describe(p) for p in prepared]

    def _model_options(self, wanted: str) -> list[tuple[str, str]]:
        from ...errors import OpenRouterAudioError

        try:
            found, listed = model_choices(self._client)
        except OpenRouterAudioError as exc:
            self._load_error = f"Could not list models: {exc}"
            found, listed = [], True
        if not listed:
            self._load_error = "The model list could not be read: the picker offers the models known to work"
        self._speaks = dict(found)
        if wanted not in self._speaks:
            found.insert(0, (wanted, True))  # a model the list does not know: trust the caller
            self._speaks[wanted] = True
        return [(f"{mid} ({'speaks' if speaks else 'listens, text reply'})", mid) for mid, speaks in found]

    def _sync_pickers(self) -> None:
        speaks = self._speaks.get(str(self.model_picker.value), True)
        self.voice_picker.disabled = self.format_picker.disabled = not speaks

    def busy(self, busy: bool) -> None:
        """Show that a reply streams (Send off, Stop on), or that none does."""
        self.send_button.disabled = busy
        self.stop_button.disabled = not busy
        if busy:
            self.say("Streaming… (Stop keeps what has arrived)")

    def say(self, text: str) -> None:
        """Put ``text`` on the status line."""
        self.status.value = text  # a Label: shown as text, never HTML


def _describe(prepared: Any) -> str:
    return f"{prepared.source_name} ({prepared.duration:.1f} s, {prepared.format})"


def _renamed(prepared: Any, name: str) -> Any:
    import dataclasses

    return dataclasses.replace(prepared, source_name=name)


def _close_all(widgets: Any) -> None:
    for widget in widgets:
        _close_all(getattr(widget, "children", ()))
        widget.close()


def _with(options: tuple[str, ...], value: str) -> list[str]:
    return list(options) if value in options else [value, *options]


def _transcriber(client: Any, model: str | None) -> Transcriber | None:
    if model is None or not hasattr(client, "transcribe"):
        return None

    def transcribe(audio: bytes) -> str:
        return str(client.transcribe(audio, model=model).text)

    return Transcriber(transcribe)
