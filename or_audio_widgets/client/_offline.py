"""The process's one offline emulator, and when a client talks to it (``OR_AUDIO_OFFLINE``).

``OpenRouterAudio()``, ``transcribe_many``, ``AudioChat`` and the magics all share one emulator, started on
first offline use and stopped when the process exits (or by :func:`stop_emulator`).

Why an injection point: the client layer may import only the core (``tests/test_layering.py``), so it
cannot import the emulator to start it. It holds the lifecycle (one handle, a lock, the stop at exit) and
asks for a *factory* of emulators, which the package's ``__init__`` (outside every layer) registers with
:func:`use_emulator_factory` as ``emulator.start_emulator``. Importing any part of the package runs that
``__init__`` first, so every entry point finds the factory; the emulator itself is imported only when one
is started.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from typing import Any

from ..errors import OpenRouterAudioError

OFFLINE_KEY = "offline"  # the emulator accepts any non-empty bearer key
OFFLINE_NOTICE = "offline emulator"  # the words every output carries when OpenRouter did not answer
_TRUE = {"1", "true", "yes", "on"}
# What the process's emulator keeps of the requests it received: a long session in a Binder kernel must
# not hold every upload (tests start emulators of their own, which keep everything).
_KEPT_BYTES = 4 * 1024 * 1024

_LOCK = threading.Lock()
_HANDLE: list[Any] = []  # the running EmulatorHandle, when there is one
_FACTORY: list[Callable[..., Any]] = []  # start_emulator, registered by the package's __init__
_AT_EXIT: list[bool] = []  # whether stop_emulator is registered with atexit yet


def env_offline() -> bool:
    """True when ``OR_AUDIO_OFFLINE`` asks for the offline emulator (1, true, yes, on)."""
    return os.environ.get("OR_AUDIO_OFFLINE", "").strip().lower() in _TRUE


def emulator_realtime() -> float:
    """Pacing of the offline emulator from ``OR_AUDIO_EMULATOR_REALTIME`` (1 = speed of speech; default
    0, as fast as possible); a value that is not a number >= 0 counts as 0."""
    try:
        value = float(os.environ.get("OR_AUDIO_EMULATOR_REALTIME", "0") or 0)
    except ValueError:
        return 0.0
    return value if 0 <= value < float("inf") else 0.0


def use_emulator_factory(factory: Callable[..., Any]) -> None:
    """Register what starts an emulator: called as ``factory(port=0, realtime=..., max_recorded_bytes=...,
    keep_uploads=False)``, returning a handle
    with ``base_url``, ``running`` and ``stop()``."""
    _FACTORY[:] = [factory]


def emulator_url() -> str:
    """The base URL of the process's offline emulator, started now if it is not running."""
    with _LOCK:
        if not _HANDLE or not _HANDLE[0].running:
            if not _FACTORY:  # only when a module of the package is loaded without the package itself
                raise OpenRouterAudioError("The offline emulator is not available here: import "
                                           "or_audio_widgets first, or pass base_url= and api_key=.")
            _HANDLE[:] = [_FACTORY[0](port=0, realtime=emulator_realtime(), max_recorded_bytes=_KEPT_BYTES,
                                      keep_uploads=False)]
            if not _AT_EXIT:  # its threads are daemons; stopping it at exit closes its sockets cleanly
                atexit.register(stop_emulator)
                _AT_EXIT.append(True)
        return str(_HANDLE[0].base_url)


def emulator_running() -> bool:
    """Whether the process's offline emulator is running now."""
    with _LOCK:
        return bool(_HANDLE) and bool(_HANDLE[0].running)


def current_emulator() -> Any:
    """The running EmulatorHandle, or None (for tests and ``%oraudio_config``)."""
    with _LOCK:
        return _HANDLE[0] if _HANDLE and _HANDLE[0].running else None


def stop_emulator() -> None:
    """Stop the process's offline emulator, if it runs (a later offline use starts a new one)."""
    with _LOCK:
        handle = _HANDLE.pop() if _HANDLE else None
    if handle is not None:
        handle.stop()
