"""The live widgets: :class:`LivePlayer`, :class:`Recorder` and :class:`AudioChat` (one module each)."""

from __future__ import annotations

from ._player import LivePlayer

__all__ = ["LivePlayer"]
