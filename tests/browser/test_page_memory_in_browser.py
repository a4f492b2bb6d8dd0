"""Twenty replies in one JupyterLab page, each player cleared or closed once its reply has arrived (its audio
may still be playing), as a person clears outputs (or as the magics close the live widget): the audio the page
still holds is only that of the players still on screen. The figure is the widgets' own count of the bytes
they hold (chunks, WAV files, buffers still playing), read from window.__orAudio.held."""

from __future__ import annotations

from typing import Any

import pytest
from _browser_pages import Report, new_player, players, wait_done

pytestmark = pytest.mark.browser

REPLIES = 20
KEPT = 2  # the last replies stay on screen
SECONDS = 2
REALTIME = 4  # replies stream at 4x the speed of speech: the same bytes in a quarter of the time
PCM = SECONDS * 48000  # bytes of 24 kHz pcm16 in one reply

CLEAR_OUTPUT = """(i) => {
    const app = window.jupyterapp;
    const notebook = app.shell.currentWidget.content;
    notebook.activeCellIndex = i;
    notebook.deselectAll();
    return app.commands.execute("notebook:clear-cell-output");
}"""

# Once nothing plays any more: the total the widgets hold, and what the widgets on screen hold.
HELD = """async () => {
    // no widget has loaded yet in this page: nothing is held
    const root = window.__orAudio || { players: {}, recorders: {}, held: { bytes: 0 } };
    const records = () => [...Object.values(root.players), ...Object.values(root.recorders)];
    const deadline = Date.now() + 30000;
    while (records().some((d) => d.sources > 0) && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 50));
    }
    const shown = (d) => document.querySelector(
        `.ora-player[data-player-id="${d.id}"], .ora-recorder[data-recorder-id="${d.id}"]`) !== null;
    return {
        total: root.held.bytes,
        on_screen: records().filter(shown).reduce((n, d) => n + d.held, 0),
        off_screen: records().filter((d) => !shown(d)).map((d) => [d.id, d.held]).filter(([, held]) => held),
    };
}"""


def test_twenty_replies_leave_only_the_audio_of_the_players_on_screen(notebook: Any, report: Report) -> None:
    page = notebook.page
    notebook.execute("pass")
    start = page.evaluate(HELD)
    ids = []
    for i in range(REPLIES):
        before = players(page)
        paced = f"X_Emulator_Seconds={SECONDS}, X_Emulator_Realtime={REALTIME}"
        feed = f"stream_into(pm{i}, 'Reply {i}.', {paced})"
        index = notebook.run(f"pm{i} = LivePlayer(); display(pm{i}); {feed}")
        ids.append(new_player(page, before))
        notebook.wait(index)
        wait_done(page, ids[-1])
        if i >= REPLIES - KEPT:
            continue
        if i % 2:
            notebook.execute(f"pm{i}.close()")  # closed from Python, as the magics do at the end of a cell
        else:
            page.evaluate(CLEAR_OUTPUT, index)  # the person clears the output; the model lives on
    held = page.evaluate(HELD)
    records = [page.evaluate("(id) => window.__orAudio.players[id]", pid) for pid in ids]
    per_reply = [r["held"] for r in records]
    report(
        "page_memory_20_replies",
        {
            "replies": REPLIES, "reply_pcm_bytes": PCM, "received_bytes": sum(r["bytes"] for r in records),
            "held_total_bytes": held["total"], "held_on_screen_bytes": held["on_screen"],
            "held_before_the_test_bytes": start["total"], "held_by_the_kept_replies": per_reply[-KEPT:],
        },
    )  # fmt: skip
    assert all(r["state"] == "done" and r["bytes"] == PCM for r in records)  # each reply arrived whole
    assert per_reply[: REPLIES - KEPT] == [0] * (REPLIES - KEPT)
    assert all(r["released"] for r in records[: REPLIES - KEPT])
    # A kept reply holds one copy of its audio (the WAV file the <audio> plays), not the chunks as well.
    assert per_reply[-KEPT:] == [44 + PCM] * KEPT
    assert held["off_screen"] == [] and held["total"] == held["on_screen"]
    assert held["total"] - start["total"] <= KEPT * (44 + PCM)
