"""Run All in a real kernel: cells queued while a ``%%oraudio`` cell streams run after it, in the order they
were sent, once each, while a front end's widget messages keep arriving; an error or an interrupt still
cancels what was queued behind it, and a restarted kernel runs nothing that was held for the old one.

A front end is played over the kernel's own protocol (jupyter_client): it sends the whole notebook at once,
as Run All does, and answers each live player the kernel opens as the page would (``ready``, then a
message for a widget that has already closed). The kernel's offline emulator paces its speech at four
times the speed of speech, so each cell streams for a moment and the run repeats often enough to catch a
race (``ROUNDS``).
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _kernels import offline_kernel

ROUNDS = 50
QUEUED = 6  # cells sent behind the streaming cell each round
SAY = "%%oraudio --say\nThe lamp is lit."
LONG_SAY = "%%oraudio --say\n" + " ".join(["The keeper climbed the stairs and lit the lamp."] * 8)
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with offline_kernel(realtime="4", cwd=tmp_path_factory.mktemp("run-order")) as (manager, client):
        client.manager = manager
        yield client


def opens_a_player(msg: dict[str, Any]) -> bool:
    """Whether an iopub message opens a live player's comm."""
    return msg["msg_type"] == "comm_open" and "player_id" in msg["content"]["data"].get("state", {})


class FrontEnd:
    """The page's side of one Run All: every ``execute_request`` at once, widget messages as players open."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.players: list[str] = []  # comm ids of the live players opened so far, oldest first

    def comm_msg(self, comm_id: str, content: dict[str, Any]) -> None:
        message = self.client.session.msg("comm_msg", {"comm_id": comm_id,
                                                       "data": {"method": "custom", "content": content}})
        self.client.shell_channel.send(message)

    def run_all(self, cells: list[str]) -> list[str]:
        return [self.client.execute(cell) for cell in cells]

    def until_idle(self, msg_ids: list[str], timeout: float = 60) -> dict[str, list[dict[str, Any]]]:
        """Outputs of each request, read until the last is idle; a player's opening is answered at once."""
        outputs: dict[str, list[dict[str, Any]]] = {m: [] for m in msg_ids}
        end = time.monotonic() + timeout
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError("the kernel went quiet before the queued cells ran") from None
            content, parent = msg["content"], msg["parent_header"].get("msg_id")
            if opens_a_player(msg):
                self.answer(content["comm_id"])
            if parent in outputs and msg["msg_type"] in ("stream", "error", "execute_input"):
                outputs[parent].append(msg)
            if parent == msg_ids[-1] and msg["msg_type"] == "status" and (
                    content["execution_state"] == "idle"):
                return outputs

    def answer(self, comm_id: str) -> None:
        """What a view sends as it renders, and late messages for widgets that are gone: the previous
        round's player and one the kernel never had."""
        self.comm_msg(comm_id, {"t": "ready", "have": 0, "text_len": 0})
        if self.players:
            self.comm_msg(self.players[-1], {"t": "stop"})
        self.comm_msg(uuid.uuid4().hex, {"t": "stop"})
        self.players.append(comm_id)

    def player_opened(self) -> str:
        """Wait for the next live player the kernel opens, answer it as the page does; its comm id."""
        while True:
            msg = self.client.get_iopub_msg(timeout=30)
            if opens_a_player(msg):
                self.answer(msg["content"]["comm_id"])
                return str(msg["content"]["comm_id"])

    def replies(self, msg_ids: list[str]) -> list[dict[str, Any]]:
        """The ``execute_reply`` of each request, in the order the kernel sent them."""
        found: list[dict[str, Any]] = []
        while len(found) < len(msg_ids):
            msg = self.client.get_shell_msg(timeout=30)
            if msg["parent_header"].get("msg_id") in msg_ids and msg["msg_type"] == "execute_reply":
                found.append(msg)
        return found


def printed(outputs: list[dict[str, Any]]) -> str:
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")


def test_cells_queued_during_a_stream_run_after_it_in_order_once_each(kernel: Any) -> None:
    page = FrontEnd(kernel)
    for round_ in range(ROUNDS):
        cells = [f"ran = [{round_}]", SAY,
                 *(f"ran.append({i}); print('cell', {i})" for i in range(QUEUED)), "print(ran)"]
        ids = page.run_all(cells)
        outputs = page.until_idle(ids)
        replies = page.replies(ids)
        assert [r["parent_header"]["msg_id"] for r in replies] == ids, f"round {round_}: replies out of order"
        assert [r["content"]["status"] for r in replies] == ["ok"] * len(ids), f"round {round_}"
        counts = [r["content"]["execution_count"] for r in replies]
        assert counts == list(range(counts[0], counts[0] + len(ids))), f"round {round_}: counts {counts}"
        for i in range(QUEUED):
            assert printed(outputs[ids[2 + i]]) == f"cell {i}\n", f"round {round_}, cell {i}"
        assert printed(outputs[ids[-1]]) == f"{[round_, *range(QUEUED)]}\n", f"round {round_}"
        assert not [m for o in outputs.values() for m in o if m["msg_type"] == "error"], f"round {round_}"
    assert len(page.players) == ROUNDS  # every round streamed with its player open


def test_a_queued_cell_that_fails_cancels_the_ones_behind_it_and_nothing_runs_twice(kernel: Any) -> None:
    page = FrontEnd(kernel)
    ids = page.run_all(["ran = []", SAY, "ran.append('a')", "ran.append('b'); 1 / 0", "ran.append('c')",
                        "ran.append('d')"])
    outputs = page.until_idle(ids[:4])
    statuses = [r["content"]["status"] for r in page.replies(ids)]
    assert statuses == ["ok", "ok", "ok", "error", "aborted", "aborted"]
    assert [m["content"]["ename"] for m in outputs[ids[3]] if m["msg_type"] == "error"] == [
        "ZeroDivisionError"]
    check = page.run_all(["print(ran)"])
    assert printed(page.until_idle(check)[check[0]]) == "['a', 'b']\n"
    page.replies(check)


def test_an_interrupt_during_the_stream_cancels_the_queued_cells_and_the_kernel_goes_on(kernel: Any) -> None:
    page = FrontEnd(kernel)
    ids = page.run_all(["ran = []", LONG_SAY, "ran.append('queued')", "ran.append('queued again')"])
    page.player_opened()
    time.sleep(0.3)  # the reply streams; the queued cells are held by now
    kernel.manager.interrupt_kernel()
    statuses = [r["content"]["status"] for r in page.replies(ids)]
    assert statuses == ["ok", "error", "aborted", "aborted"]
    check = page.run_all(["print(ran)"])
    assert printed(page.until_idle(check)[check[0]]) == "[]\n"
    page.replies(check)


def test_a_kernel_restarted_during_a_stream_runs_nothing_that_was_queued_for_the_old_one(kernel: Any) -> None:
    page = FrontEnd(kernel)
    page.run_all(["import pathlib", LONG_SAY, "pathlib.Path('held-cell-ran').write_text('yes')"])
    page.player_opened()
    kernel.manager.restart_kernel(now=True)
    kernel.wait_for_ready(timeout=60)
    time.sleep(1.0)  # time for anything wrongly replayed into the new kernel to run
    check = page.run_all(["import pathlib; print(pathlib.Path('held-cell-ran').exists(), 'ran' in dir())"])
    outputs = page.until_idle(check)
    assert printed(outputs[check[0]]) == "False False\n"
    assert [r["content"]["execution_count"] for r in page.replies(check)] == [1]
    kernel.execute_interactive("%load_ext or_audio_widgets\n%config OrAudioMagics.live_player = 'on'",
                               timeout=60)
