"""Where a live player's Stop can be heard (the rest runs in a real kernel: test_magics_stop.py).

Outside a kernel, and in a kernel not built as ipykernel 7 is, nothing listens and the Stop button stays
hidden (Ctrl-C works as always); from a background thread Stop always works, the main thread being free.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from or_audio_widgets.jupyter._stop_listener import StopListener, hearing_stop
from or_audio_widgets.jupyter.widgets._player import LivePlayer


def run_inside(player: Any, shell: Any = None) -> tuple[bool, bool]:
    cancelled: list[bool] = []
    with hearing_stop(player, lambda: cancelled.append(True), shell=shell) as heard:
        player.request_stop()
    return heard, bool(cancelled)


def test_no_kernel_no_listener_and_no_stop_button() -> None:
    player = LivePlayer()
    assert run_inside(player, shell=SimpleNamespace(kernel=None)) == (False, False)
    assert not player.stoppable


def test_a_kernel_without_a_shell_channel_thread_is_not_listened_to() -> None:
    kernel = SimpleNamespace(shell_channel_thread=None, session=object(), comm_manager=object(),
                             shell_main=lambda *_: None)  # ipykernel 6's shape: one shell socket
    assert StopListener.start(kernel, {"x"}) is None
    player = LivePlayer()
    assert run_inside(player, shell=SimpleNamespace(kernel=kernel)) == (False, False)
    assert not player.stoppable


def test_from_a_background_thread_stop_is_always_heard() -> None:
    player, result = LivePlayer(), {}
    thread = threading.Thread(target=lambda: result.update(got=run_inside(player)))
    thread.start()
    thread.join(10)
    assert result["got"] == (True, True) and player.stoppable and player.stop_requested


def test_without_a_player_nothing_happens() -> None:
    with hearing_stop(None, lambda: None) as heard:
        assert heard is False
