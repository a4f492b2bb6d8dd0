"""Stop in a ``%%oraudio`` cell, in a real kernel: the page's Stop (a comm message) is heard while the cell
streams on the kernel's main thread, the connection closes, the partial reply is kept and shown calmly,
and what the person queued meanwhile runs afterwards, once each, in order. Kernel > Interrupt still ends
the cell as before.

The kernel is driven over its own protocol (jupyter_client), as a front end would; its offline emulator
paces the reply at the speed of speech, so there is a stream to stop.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest
from _kernels import offline_kernel

PROMPT = "%%oraudio --voice alloy\nTell me a long story about a lighthouse keeper, in many sentences."
LONG_TEXT = " ".join(["The keeper climbed the stairs and lit the lamp, as every evening."] * 6)
SAY = f"%%oraudio --say\n{LONG_TEXT}"
# say() played into a LivePlayer from a cell: play() hears Stop as the magic does
PLAY = f"""
from or_audio_widgets.jupyter.chat._conversation import offline_client
from or_audio_widgets.jupyter._widgets import LivePlayer
player = LivePlayer(file_name="keeper")
display(player)
said = player.play(offline_client().open_speech({LONG_TEXT!r}, wire="pcm"))
"""
# replies the kernel's offline emulator saw their client leave before they ended (0 before it started)
LEFT = ("getattr(__import__('or_audio_widgets.jupyter._offline', fromlist=['_']).current_emulator(), "
        "'clients_left', 0)")
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    with offline_kernel(realtime="1") as (manager, client):
        client.interrupt = manager.interrupt_kernel  # what Kernel > Interrupt does
        # CI runs these tests under ipykernel 6 and 7: where the listener steps aside, Stop is not offered
        client.listens = value(client, "__import__('or_audio_widgets.jupyter._stop_listener', "
                                       "fromlist=['_']).known_ipykernel()") == "True"
        yield client


def value(client: Any, expression: str) -> str:
    """What ``print(expression)`` prints in the kernel."""
    printed: list[str] = []
    client.execute_interactive(f"print({expression})", timeout=30, output_hook=lambda m: printed.append(
        m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    return "".join(printed).strip()


def stream_until(client: Any, cell: str, chunks: int) -> tuple[str, str]:
    """Run ``cell``; return its message id and its player's comm id once ``chunks`` chunks reached it.

    Whether the player offered its Stop button meanwhile is kept in ``client.stop_offered``."""
    msg_id = client.execute(cell)
    comm, seen = "", 0
    client.stop_offered = False
    while seen < chunks:
        msg = client.get_iopub_msg(timeout=30)
        content = msg["content"]
        if msg["msg_type"] == "comm_open" and "player_id" in content["data"].get("state", {}):
            comm = content["comm_id"]
            client.stop_offered = bool(content["data"]["state"].get("stoppable"))
        elif msg["msg_type"] == "comm_msg" and content["comm_id"] == comm:
            seen += content["data"].get("content", {}).get("t") == "pcm"
            client.stop_offered |= bool(content["data"].get("state", {}).get("stoppable"))
    return msg_id, comm


def outputs_until_idle(client: Any, msg_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The output messages of each request in ``msg_ids``, read until the last one is idle."""
    outputs: dict[str, list[dict[str, Any]]] = {m: [] for m in msg_ids}
    while True:
        try:
            msg = client.get_iopub_msg(timeout=60)
        except queue.Empty:
            raise AssertionError("the kernel went quiet before the queued cells ran") from None
        parent = msg["parent_header"].get("msg_id")
        if parent in outputs and msg["msg_type"] in ("stream", "display_data", "error", "execute_input"):
            outputs[parent].append(msg)
        idle = msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
        if parent == msg_ids[-1] and idle:
            return outputs


def press_stop(client: Any, comm: str) -> None:
    message = client.session.msg("comm_msg", {"comm_id": comm, "data": {"method": "custom",
                                                                        "content": {"t": "stop"}}})
    client.shell_channel.send(message)


@pytest.mark.parametrize("cell_text", [PROMPT, SAY], ids=["chat", "say"])
def test_stop_ends_the_cell_keeps_the_partial_reply_and_says_so_calmly(kernel: Any, cell_text: str) -> None:
    left_before = int(value(kernel, LEFT))
    cell, comm = stream_until(kernel, cell_text, chunks=4)
    assert kernel.stop_offered == kernel.listens
    # queued while the cell streams: they must run after it, once each, in this order
    first = kernel.execute("order = ['first']")
    press_stop(kernel, comm)
    stopped_at = time.monotonic()
    second = kernel.execute("order.append('second'); print(order, _oraudio.complete)")
    outputs = outputs_until_idle(kernel, [cell, first, second])
    if not kernel.listens:  # no Stop offered: the message waits for the cell, which ends whole
        printed = "".join(m["content"]["text"] for m in outputs[second] if m["msg_type"] == "stream")
        assert printed.strip() == "['first', 'second'] True"
        return
    ended_in = time.monotonic() - stopped_at
    saved = [m["content"]["data"] for m in outputs[cell] if m["msg_type"] == "display_data"][-1]
    assert "Stopped at your request; what arrived is kept." in saved["text/html"]
    assert "incomplete:" not in saved["text/html"] and "<audio" in saved["text/html"]
    assert "stopped" in saved["text/plain"]
    assert not [m for m in outputs[cell] if m["msg_type"] == "error"]
    printed = "".join(m["content"]["text"] for m in outputs[second] if m["msg_type"] == "stream")
    assert printed.strip() == "['first', 'second'] False"
    duration = float(value(kernel, "_oraudio.duration"))
    assert 0.1 <= duration < 10, duration  # what had arrived (the stop came early), not the whole reply
    assert value(kernel, "_oraudio.error_kind") == "cancelled"
    assert wait_left(kernel, left_before)  # the emulator saw its client leave before the reply ended
    assert ended_in < 60  # a bound for a hung cell, not a measure of speed


def test_a_reply_played_from_a_cell_stops_too(kernel: Any) -> None:
    left_before = int(value(kernel, LEFT))
    cell, comm = stream_until(kernel, PLAY, chunks=3)
    assert kernel.stop_offered == kernel.listens
    press_stop(kernel, comm)
    outputs = outputs_until_idle(kernel, [cell])
    assert not [m for m in outputs[cell] if m["msg_type"] == "error"]
    if not kernel.listens:
        assert value(kernel, "said.complete, player.stop_requested") == "True False"
        return
    assert value(kernel, "said.complete, said.error_kind, player.stop_requested, player.finished") == (
        "False cancelled True True")
    assert 0.1 <= float(value(kernel, "said.duration")) < 10  # some seconds of a reading of half a minute
    assert value(kernel, "len(player.pcm) == len(said.pcm)") == "True"  # what it plays is what was kept
    assert int(value(kernel, LEFT)) > left_before or wait_left(kernel, left_before)


def wait_left(client: Any, before: int) -> bool:
    deadline = time.monotonic() + 10
    while int(value(client, LEFT)) == before:
        assert time.monotonic() < deadline, "the emulator never saw the connection close"
        time.sleep(0.2)
    return True


def test_stop_pressed_twice_or_after_the_end_changes_nothing(kernel: Any) -> None:
    cell, comm = stream_until(kernel, PROMPT, chunks=3)
    press_stop(kernel, comm)
    press_stop(kernel, comm)
    outputs_until_idle(kernel, [cell])
    press_stop(kernel, comm)  # the widget is closed by now: the message goes nowhere
    assert value(kernel, "1 + 1") == "2"
    assert value(kernel, "_oraudio.complete") == str(not kernel.listens)


def test_kernel_interrupt_still_cancels_the_cell_as_before(kernel: Any) -> None:
    cell, _comm = stream_until(kernel, PROMPT, chunks=3)
    kernel.interrupt()
    outputs = outputs_until_idle(kernel, [cell])
    errors = [m["content"] for m in outputs[cell] if m["msg_type"] == "error"]
    assert errors and errors[0]["ename"] == "CellError"
    assert "partial reply is kept" in errors[0]["evalue"]
