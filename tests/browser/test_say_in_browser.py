"""say() in JupyterLab: the speech endpoint's raw audio reaches the page's LivePlayer as it arrives.

The emulator paces the speech at the speed of speech; each AudioDelta of ``say()`` goes to the player at
once (``on_event``), as the magic's live display does. Figures go to test-artifacts/widget_figures.json.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import pytest
from _browser_pages import (
    Report,
    audio_duration,
    contiguity_error,
    debug,
    new_player,
    notebook_value,
    players,
)

pytestmark = pytest.mark.browser

RUNS = 3
CODE = f"""
def say_into(player, text):
    def on_event(event):
        if isinstance(event, TranscriptDelta):
            player.append_transcript(event.text)
        elif isinstance(event, AudioDelta):
            player.append_pcm(event.data)
    reply = _client.say(text, on_event=on_event, headers={{"X-Emulator-Realtime": "1"}})
    player.finish(reply)
    return reply

for run in range({RUNS}):
    ps = LivePlayer()
    display(ps)
    said = say_into(ps, f"Run {{run}}: read this sentence aloud, word for word, please.")
"""


def test_say_streams_into_the_live_player(notebook: Any, report: Report) -> None:
    page = notebook.page
    before = players(page)
    index = notebook.run(CODE)
    notebook.wait(index, timeout=120)
    ids = [p for p in players(page) if p not in before]
    assert len(ids) == RUNS
    arrivals, scheduled = [], []
    for player_id in ids:
        info = debug(page, player_id)
        assert info["underruns"] == 0 and info["state"] == "done", {k: info.get(k) for k in (
            "codec", "underruns", "gaps", "state", "lead")}
        assert contiguity_error(info["schedule"]) < 1e-6  # the chunks play back to back
        arrivals.append(info["firstChunkArrived"] - info["firstChunkKernelTs"])
        scheduled.append(info["firstScheduled"] - info["firstChunkKernelTs"])
    yielded = json.loads(notebook.execute(f"print(json.dumps(first_audio_at[-{RUNS}:]))").locator(
        ".jp-OutputArea-output").last.inner_text())
    from_client = [debug(page, p)["firstScheduled"] - t for p, t in zip(ids, yielded, strict=True)]
    figures = {
        "kernel_to_page_arrival_ms": [round(x, 1) for x in arrivals],
        "kernel_to_first_buffer_ms": [round(x, 1) for x in scheduled],
        "client_event_to_first_buffer_median_ms": round(statistics.median(from_client), 1),
    }
    report("say_first_audio", figures)
    assert statistics.median(scheduled) < 300 and statistics.median(from_client) < 300


def test_speech_at_another_rate_plays_at_its_own_pitch_live_and_in_the_file(notebook: Any) -> None:
    """A provider answering pcm at 16 kHz: the page schedules and saves it at 16 kHz (at 24 kHz it would
    play two thirds as long, a fifth higher)."""
    page = notebook.page
    before = players(page)
    headers = {"X-Emulator-Speech-Rate": "16000", "X-Emulator-Realtime": "1"}
    text = "Read this sentence at sixteen kilohertz, please."
    index = notebook.run(f"p16 = LivePlayer(); display(p16)\n"
                         f"said16 = p16.play(_client.open_speech({text!r}, wire='pcm', headers={headers!r}))")
    player_id = new_player(page, before)
    notebook.wait(index, timeout=60)
    page.wait_for_function("(id) => window.__orAudio.players[id].state === 'done'", arg=player_id)
    seconds = float(notebook_value(notebook, "said16.duration"))
    assert float(notebook_value(notebook, "said16.sample_rate")) == 16000
    info = debug(page, player_id)
    assert info["rate"] == 16000
    # live, at its own pitch: every buffer scheduled at 16 kHz adds up to the reply (at 24 kHz: 2/3 of it)
    assert info["scheduledSeconds"] == pytest.approx(seconds, abs=0.01)
    final = notebook.cell(index).locator(".ora-final audio")
    assert audio_duration(final) == pytest.approx(seconds, abs=0.01)  # and the file
