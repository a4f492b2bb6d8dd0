"""What the Stop listener adds to each message it keeps while a cell streams (must be at most 5 ms).

A real ipykernel started by jupyter_client. A cell holds the kernel's main thread for a while (as a
streaming ``%%oraudio`` cell does), and the front end sends 1,000 messages during it: cells to run next
(``execute_request``) or messages for other widgets (``comm_msg``). Once the cell ends, the kernel works
through them; the figure is the time from the held cell's reply to the last message's reply (or its
idle status), per message.

- baseline: the cell only sleeps; the kernel's own queue keeps the messages;
- listener: the cell opens a :class:`StopListener` (the one ``%%oraudio`` opens), which reads and keeps
  every message during the cell and hands them back in order when it closes.

Medians of ``RUNS`` runs each, on one kernel, contenders alternating.

    python benchmarks/stop_listener.py
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import format_table, median

MESSAGES = 1000
HOLD_SECONDS = 3.0
RUNS = 5
LIMIT_MS = 5.0
HOLD = """
import time
from or_audio_widgets.jupyter._stop_listener import StopListener
_listener = StopListener.start(get_ipython().kernel, {{"no-such-player"}}) if {listen} else None
assert ({listen} and _listener is not None) or not {listen}, "this kernel cannot be listened to"
time.sleep({hold})
if _listener is not None:
    _listener.close()
"""


def _drain_seconds(client: Any, listen: bool, kind: str) -> float:
    """Seconds from the held cell's reply to the last queued message's answer."""
    held = client.execute(HOLD.format(listen=listen, hold=HOLD_SECONDS), silent=True)
    time.sleep(0.3)  # the cell has started (and its listener with it)
    sent = []
    for _ in range(MESSAGES):
        if kind == "execute_request":
            sent.append(client.execute("pass", silent=True, store_history=False))
        else:
            message = client.session.msg("comm_msg", {"comm_id": uuid.uuid4().hex,
                                                      "data": {"method": "custom", "content": {}}})
            client.shell_channel.send(message)
            sent.append(message["header"]["msg_id"])
    if kind == "execute_request":
        return _until_replies(client, held, set(sent))
    # a comm_msg has no reply: a last cell sent behind them answers once they were all handled
    last = client.execute("pass", silent=True, store_history=False)
    return _until_replies(client, held, {last})


def _until_replies(client: Any, held: str, waiting: set[str]) -> float:
    started = 0.0
    while waiting:
        msg = client.get_shell_msg(timeout=120)
        parent = msg["parent_header"].get("msg_id")
        if parent == held:
            assert msg["content"]["status"] == "ok", msg["content"]
            started = time.perf_counter()
        waiting.discard(parent)
    assert started, "the held cell's reply came after the messages queued behind it"
    return time.perf_counter() - started


def main() -> None:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "OR_AUDIO_OFFLINE": "1"}
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        client.execute_interactive("import or_audio_widgets.jupyter._stop_listener", timeout=60)
        rows = []
        for kind in ("execute_request", "comm_msg"):
            runs: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(RUNS):
                for listen in (False, True):
                    runs[listen].append(_drain_seconds(client, listen, kind))
            base, held = median(runs[False]), median(runs[True])
            per_message = 1000 * (held - base) / MESSAGES
            rows.append([f"{MESSAGES:,} x {kind}", f"{base:.3f}", f"{held:.3f}",
                         f"{1000 * base / MESSAGES:.3f}", f"{1000 * held / MESSAGES:.3f}",
                         f"{per_message:+.3f}", "yes" if per_message <= LIMIT_MS else "NO"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    print(format_table(["messages kept during a cell", "drain s (baseline)", "drain s (listener)",
                        "ms/msg (baseline)", "ms/msg (listener)", "added ms/msg", f"<= {LIMIT_MS:g} ms"],
                       rows))


if __name__ == "__main__":
    main()
