"""Recorder: microphone capture in the page (MediaRecorder), delivered to Python as an input_audio part.

The browser records webm/opus (or ogg, or mp4 in Safari), which the API does not take, so every recording
goes through :func:`prepare_audio`, which converts it. The bytes come over as one binary buffer.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ._js import CSS, RECORDER, module_source


class Recorder(anywidget.AnyWidget):
    """Record from the microphone with a level meter; the take arrives as :attr:`recording` (bytes) and
    :attr:`prepared` (a :class:`PreparedAudio` in a format the API accepts).

    ``max_seconds`` stops a recording that runs on (the running clock shows the limit). Permission refused
    or no microphone shows a message in the widget. ``on_recording(callback)`` calls ``callback(prepared)``
    after each take.
    """

    _esm = module_source(RECORDER)
    _css = CSS

    max_seconds = traitlets.Float(300.0, help="Stop recording after this many seconds (0: no limit)").tag(
        sync=True
    )
    recorder_id = traitlets.Unicode(help="Names its debug record: window.__orAudio.recorders[id]").tag(
        sync=True
    )

    def __init__(self, max_seconds: float = 300.0, **kwargs: Any) -> None:
        super().__init__(max_seconds=max_seconds, recorder_id=uuid.uuid4().hex, **kwargs)
        self.recording: bytes | None = None
        self.mime_type: str | None = None
        self.prepared: Any = None  # PreparedAudio
        self.error: str | None = None
        self._callbacks: list[Callable[[Any], object]] = []
        self.on_msg(self._on_front_end)

    def on_recording(self, callback: Callable[[Any], object]) -> None:
        """Call ``callback(prepared)`` each time a recording has been received and converted."""
        self._callbacks.append(callback)

    def clear(self) -> None:
        """Forget the last recording (e.g. once it has been sent)."""
        self.recording = self.mime_type = self.prepared = self.error = None
        self.send({"t": "cleared"})

    def take(self, data: bytes, mime_type: str | None = None) -> Any:
        """Accept a recording (as the page sends it) and return its :class:`PreparedAudio`.

        Raises :class:`AudioInputError` when it cannot be read; the widget shows the reason.
        """
        from ..core._inputs import prepare_audio
        from ..errors import OpenRouterAudioError

        self.recording, self.mime_type = bytes(data), mime_type
        self.prepared, self.error = None, None
        try:
            prepared = prepare_audio(self.recording)
        except OpenRouterAudioError as exc:
            self.error = f"The recording could not be used: {exc}"
            self.send({"t": "error", "message": self.error})
            raise
        prepared = dataclasses.replace(prepared, source_name="microphone recording")
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
        if not isinstance(content, dict) or content.get("t") != "recording" or not buffers:
            return
        from ..errors import OpenRouterAudioError

        try:
            mime = content.get("mime")
            self.take(bytes(buffers[0]), mime if isinstance(mime, str) else None)
        except OpenRouterAudioError:
            pass  # already shown in the widget and kept in self.error
