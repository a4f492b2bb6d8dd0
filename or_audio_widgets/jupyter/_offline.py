"""The kernel's one offline emulator, shared by the magics and AudioChat: the process's one (see
``client/_offline.py``, which keeps it), so ``OpenRouterAudio()`` under ``OR_AUDIO_OFFLINE=1`` talks to
the same emulator as the magics in the same kernel.

Started on first offline use and stopped when the extension unloads, when the process exits, or by
:func:`stop_emulator`, so one kernel never runs two emulators, and none is left behind.
"""

from __future__ import annotations

from ..client._offline import (
    current_emulator,
    emulator_realtime,
    emulator_running,
    emulator_url,
    stop_emulator,
)

__all__ = ["current_emulator", "emulator_realtime", "emulator_running", "emulator_url", "stop_emulator"]
