"""The live widgets: :class:`LivePlayer`, :class:`Recorder` and :class:`AudioChat` (one module each)."""

from __future__ import annotations

from ._chat import AudioChat
from ._player import LivePlayer
from ._recorder import Recorder

__all__ = ["AudioChat", "LivePlayer", "Recorder"]
