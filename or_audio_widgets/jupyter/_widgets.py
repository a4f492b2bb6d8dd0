"""The live widgets: :class:`LivePlayer`, :class:`Recorder` and :class:`AudioChat` (one module each)."""

from __future__ import annotations

from .chat._chat import AudioChat
from .widgets._player import LivePlayer
from .widgets._recorder import Recorder

__all__ = ["AudioChat", "LivePlayer", "Recorder"]
