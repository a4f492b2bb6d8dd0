"""The kernel's one offline emulator, shared by the magics and AudioChat.

Started on first offline use and stopped when the extension unloads (or by :func:`stop_emulator`), so one
kernel never runs two emulators, and none is left behind.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_LOCK = threading.Lock()
_HANDLE: list[Any] = []  # the running EmulatorHandle, when there is one


def emulator_realtime() -> float:
    """Pacing of the offline emulator from ``OR_AUDIO_EMULATOR_REALTIME`` (1 = speed of speech; default
    0, as fast as possible); a value that is not a number >= 0 counts as 0."""
    try:
        value = float(os.environ.get("OR_AUDIO_EMULATOR_REALTIME", "0") or 0)
    except ValueError:
        return 0.0
    return value if 0 <= value < float("inf") else 0.0


def emulator_url() -> str:
    """The base URL of the kernel's offline emulator, started now if it is not running."""
    from ..emulator import start_emulator

    with _LOCK:
        if not _HANDLE or not _HANDLE[0].running:
            _HANDLE[:] = [start_emulator(port=0, realtime=emulator_realtime())]
        return str(_HANDLE[0].base_url)


def emulator_running() -> bool:
    """Whether the kernel's offline emulator is running now."""
    with _LOCK:
        return bool(_HANDLE) and bool(_HANDLE[0].running)


def stop_emulator() -> None:
    """Stop the kernel's offline emulator, if it runs."""
    with _LOCK:
        handle = _HANDLE.pop() if _HANDLE else None
    if handle is not None:
        handle.stop()


def current_emulator() -> Any:
    """The running EmulatorHandle, or None (for tests and ``%oraudio_config``)."""
    with _LOCK:
        return _HANDLE[0] if _HANDLE and _HANDLE[0].running else None
