"""Where the kernel cannot hear a live player's Stop while a cell streams (ipykernel 6, a release not
checked, a subshell), the player says so: Stop is shown disabled with the reason and what to do instead.

The last test runs a real kernel; CI runs it under ipykernel 6 and 7 (``make test-kernels``), where it
checks each side: the note on 6, a working Stop and no note on 7.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from _kernels import offline_kernel

from or_audio_widgets.jupyter import _stop_listener
from or_audio_widgets.jupyter._stop_listener import hearing_stop, known_ipykernel, stop_unavailable_reason
from or_audio_widgets.jupyter.widgets._player import LivePlayer

IPYKERNEL_6 = "Stop needs ipykernel 7; use Kernel > Interrupt"
# ipykernel 6's shape: one shell socket, no shell channel thread to listen beside
KERNEL_6 = SimpleNamespace(shell_channel_thread=None, session=object(), comm_manager=object(),
                           shell_main=lambda *_: None)


@pytest.mark.parametrize(
    ("version", "expected"),
    [("6.31.0", IPYKERNEL_6), ("6.0", IPYKERNEL_6), ("7.9.1", "not offered on ipykernel 7.9.1"),
     ("7.0.0", "subshell")],
)
def test_the_reason_names_the_kernel_and_the_way_out(version: str, expected: str) -> None:
    reason = stop_unavailable_reason(version)
    assert expected in reason and reason.endswith("use Kernel > Interrupt")


def test_a_kernel_that_cannot_be_listened_to_shows_stop_disabled_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_stop_listener, "stop_unavailable_reason", lambda: IPYKERNEL_6)
    player = LivePlayer()
    with hearing_stop(player, lambda: None, shell=SimpleNamespace(kernel=KERNEL_6)) as heard:
        assert heard is False
    assert player.stoppable is False and player.stop_note == IPYKERNEL_6
    assert player.request_stop() is True  # a Stop from Python still works; only the page's cannot be heard


def test_no_kernel_means_no_page_and_no_note() -> None:
    player = LivePlayer()
    with hearing_stop(player, lambda: None, shell=SimpleNamespace(kernel=None)):
        pass
    assert player.stop_note == "" and player.stoppable is False


def test_a_player_that_can_be_stopped_carries_no_note() -> None:
    player = LivePlayer()
    player.stop_unavailable("no")
    player.on_stop(lambda _p: None)
    assert player.stoppable and player.stop_note == ""
    player.stop_unavailable("too late")  # a Stop that works is never marked unavailable
    assert player.stop_note == ""


# --- in a real kernel ------------------------------------------------------------------------------------

CELL = "%%oraudio --voice alloy\nSay a few words about lighthouses."


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    with offline_kernel(realtime="1") as (_manager, client):
        yield client


@pytest.mark.timeout(180)
def test_a_streaming_cell_offers_stop_on_ipykernel_7_and_says_why_not_on_6(kernel: Any) -> None:
    printed: list[str] = []

    def printing(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"].get("text", ""))

    kernel.execute_interactive("import ipykernel; print(ipykernel.__version__)", output_hook=printing)
    version = "".join(printed).strip()
    state: dict[str, Any] = {}

    def seen(msg: dict[str, Any]) -> None:
        content = msg["content"]
        data = content.get("data", {}) if isinstance(content.get("data"), dict) else {}
        if msg["msg_type"] in ("comm_open", "comm_msg") and "state" in data:
            if msg["msg_type"] == "comm_open" and "player_id" not in data["state"]:
                return
            state.update({k: v for k, v in data["state"].items() if k in ("stoppable", "stop_note")})

    kernel.execute_interactive(CELL, timeout=120, output_hook=seen)
    if known_ipykernel(version):
        assert state.get("stoppable") is True and not state.get("stop_note")
    else:
        assert not state.get("stoppable")
        assert state.get("stop_note") == stop_unavailable_reason(version)
        if int(version.split(".")[0]) < 7:
            assert state["stop_note"] == IPYKERNEL_6
