"""A real kernel for the tests that drive one with jupyter_client (no page): offline emulator, the extension
loaded, the live player on whatever the front end, as a notebook's first cells would leave it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SET_UP = "%load_ext or_audio_widgets\n%config OrAudioMagics.live_player = 'on'"


@contextlib.contextmanager
def offline_kernel(realtime: str, cwd: Path | None = None) -> Iterator[tuple[Any, Any]]:
    """A python3 kernel (its manager and client) whose emulator speaks at ``realtime`` times the speed of
    speech; shut down on leaving."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "OR_AUDIO_OFFLINE": "1", "OR_AUDIO_EMULATOR_REALTIME": realtime}
    where = {"cwd": str(cwd)} if cwd is not None else {}
    manager, client = start_new_kernel(kernel_name="python3", env=env, **where)
    try:
        client.execute_interactive(SET_UP, timeout=60)
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
