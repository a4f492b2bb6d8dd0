"""Recorder: microphone capture in the page (MediaRecorder), delivered to Python as an input_audio part.

The browser records webm/opus (or ogg, or mp4 in Safari), which the API does not take, so every recording
goes through :func:`prepare_audio`, which converts it. The bytes come over as one binary buffer.

Hands-free (``hands_free``): the microphone stays open and the page itself decides when the person has
spoken (an adaptive energy detector, recorder_vad.js); each take arrives as a WAV and goes to the
:meth:`Recorder.on_turn` callbacks; the start of speech is told at once (:meth:`Recorder.on_speech`), so a
reply playing can be stopped.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from .._js import CSS, RECORDER, module_source


class Recorder(anywidget.AnyWidget):
    """Record from the microphone with a level meter; the take arrives as :attr:`recording` (bytes) and
    :attr:`prepared` (a :class:`PreparedAudio` in a format the API accepts).

    ``max_seconds`` stops a recording that runs on (the running clock shows the limit). Where the microphone
    cannot be used (permission refused, no device, a host such as VS Code that forbids it), the widget says
    why and offers the same take from a file (a picker, or a file dropped on it); the file arrives here as a
    recording does. ``on_recording(callback)`` calls ``callback(prepared)`` after each take.
    """

    _esm = module_source(RECORDER)
    _css = CSS

    max_seconds = traitlets.Float(300.0, help="Stop recording after this many seconds (0: no limit)").tag(
        sync=True
    )
    recorder_id = traitlets.Unicode(help="Names its debug record: window.__orAudio.recorders[id]").tag(
        sync=True
    )

    hands_free = traitlets.Bool(False, help="Listen continuously; each spoken turn is sent on its own").tag(
        sync=True
    )
    end_silence = traitlets.Float(0.7, help="Hands-free: seconds of silence that end a turn").tag(sync=True)
    min_speech = traitlets.Float(0.25, help="Hands-free: shortest sound taken as speech (not a click)").tag(
        sync=True
    )

    def __init__(self, max_seconds: float = 300.0, **kwargs: Any) -> None:
        super().__init__(max_seconds=max_seconds, recorder_id=uuid.uuid4().hex, **kwargs)
        self.recording: bytes | None = None
        self.mime_type: str | None = None
        self.prepared: Any = None  # PreparedAudio
        self.error: str | None = None
        self._callbacks: list[Callable[[Any], object]] = []
        self._speech: list[Callable[[], object]] = []
        self._turns: list[Callable[[Any, dict[str, float]], object]] = []
        self._offs: list[Callable[[str], object]] = []
        self.on_msg(self._on_front_end)

    def on_speech(self, callback: Callable[[], object]) -> None:
        """Hands-free: call ``callback()`` as soon as the page hears speech begin (to stop a reply)."""
        self._speech.append(callback)

    def on_turn(self, callback: Callable[[Any, dict[str, float]], object]) -> None:
        """Hands-free: call ``callback(prepared, times)`` for each spoken turn the page ended; ``times`` has
        ``ended`` (when the page decided) and ``received`` (when it reached the kernel), in epoch seconds."""
        self._turns.append(callback)

    def on_hands_free_off(self, callback: Callable[[str], object]) -> None:
        """Call ``callback(reason)`` when the page leaves hands-free itself (microphone refused or lost)."""
        self._offs.append(callback)

    def tell(self, text: str) -> None:
        """Hands-free: show ``text`` in the widget's status line (what the conversation is doing)."""
        self.send({"t": "hf_status", "text": text})

    def on_recording(self, callback: Callable[[Any], object]) -> None:
        """Call ``callback(prepared)`` each time a recording has been received and converted."""
        self._callbacks.append(callback)

    def clear(self) -> None:
        """Forget the last recording (e.g. once it has been sent)."""
        self.recording = self.mime_type = self.prepared = self.error = None
        self.send({"t": "cleared"})

    def take(self, data: bytes, mime_type: str | None = None, file_name: str | None = None) -> Any:
        """Accept a recording (as the page sends it) and return its :class:`PreparedAudio`.

        ``file_name`` names a file the person uploaded in place of the microphone. Raises
        :class:`AudioInputError` when it cannot be read; the widget shows the reason.
        """
        from ...core._inputs import prepare_audio
        from ...errors import OpenRouterAudioError

        self.recording, self.mime_type = bytes(data), mime_type
        self.prepared, self.error = None, None
        # the page's file name is the person's own text: shortened, and only ever shown as text
        source = f"uploaded file {file_name[:80]}" if file_name else "microphone recording"
        try:
            prepared = prepare_audio(self.recording)
        except OpenRouterAudioError as exc:
            what = f"The file {file_name[:80]}" if file_name else "The recording"
            self.error = f"{what} could not be used: {exc}"
            self.send({"t": "error", "message": self.error})
            raise
        prepared = dataclasses.replace(prepared, source_name=source)
        self.prepared = prepared
        summary = {"format": prepared.format, "duration": prepared.duration, "size": prepared.size}
        self.send({"t": "prepared", **summary})
        for callback in self._callbacks:
            callback(prepared)
        return prepared

    def __repr__(self) -> str:
        if self.prepared is not None:
            return f"<Recorder: {self.prepared.duration:.1f} s recorded ({self.prepared.format})>"
        return "<Recorder: no recording>"

    def _on_front_end(self, _widget: Any, content: Any, buffers: Any) -> None:
        kind = content.get("t") if isinstance(content, dict) else None
        if kind == "speech":
            for speech in list(self._speech):
                speech()
        elif kind == "hands_free_off":
            self.hands_free = False
            for off in list(self._offs):
                off(str(content.get("reason") or "hands-free stopped"))
        elif kind == "turn" and buffers:
            self._hands_free_take(bytes(buffers[0]), content)
        if kind != "recording" or not buffers:
            return
        from ...errors import OpenRouterAudioError

        try:
            mime, name = content.get("mime"), content.get("name")
            self.take(bytes(buffers[0]), mime if isinstance(mime, str) else None,
                      name if isinstance(name, str) and name else None)
        except OpenRouterAudioError:
            pass  # already shown in the widget and kept in self.error

    def _hands_free_take(self, data: bytes, content: dict[str, Any]) -> None:
        from ...core._inputs import prepare_audio
        from ...errors import OpenRouterAudioError

        ended = content.get("ended")
        times = {"received": time.time()}
        if isinstance(ended, (int, float)) and not isinstance(ended, bool):
            times["ended"] = float(ended) / 1000
        try:
            prepared = prepare_audio(data)
        except OpenRouterAudioError as exc:  # shown, and hands-free goes on listening
            self.send({"t": "hf_error", "message": f"That take could not be used: {exc}"})
            return
        prepared = dataclasses.replace(prepared, source_name="microphone, hands-free")
        for callback in list(self._turns):
            callback(prepared, times)
