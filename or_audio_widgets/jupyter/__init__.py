"""Jupyter integration: the ``%%oraudio`` magics, the streaming display, and the live widgets.

Loading the extension only registers the magics: the HTTP client, the emulator, ffmpeg and the widgets are
imported the first time a magic needs them, so ``%load_ext or_audio_widgets`` costs a kernel almost nothing.
"""

from __future__ import annotations

from typing import Any

# The registered magics instance per shell, so unloading can stop what it started.
_LOADED: dict[int, Any] = {}


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%oraudio``, ``%oraudio_config``, ``%oraudio_login`` and ``%oraudio_models``."""
    if id(ipython) in _LOADED:
        return
    from .magics._magics import OrAudioMagics

    magics = OrAudioMagics(shell=ipython)
    ipython.register_magics(magics)
    _LOADED[id(ipython)] = magics


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the offline emulator, if the magics started one, and forget the in-memory key."""
    magics = _LOADED.pop(id(ipython), None)
    if magics is not None:
        magics.close()
