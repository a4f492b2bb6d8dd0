"""The widgets in Notebook 7 (the ``notebook`` package), not only JupyterLab: a ``%%oraudio`` cell streams
into the live player, then leaves the static saved output; AudioChat renders its controls and answers.

Notebook 7 runs on the same JupyterLab components (cells, output areas, the widget manager), so the
JupyterLab helpers drive it unchanged; what differs is the server (``jupyter notebook``), the page
(/notebooks/<name>.ipynb, one notebook per page) and the app exposed as ``window.jupyterapp``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report, audio_duration, debug, new_player, notebook_value, players, wait_done
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms: generous, for two loaded cores

# What the page shows while cell ``i`` runs: the player's transcript, once it has words or once the cell has
# ended (whichever comes first), with whether the cell was still running at that moment.
WORDS_WHILE_RUNNING = """([id, i]) => {
    const node = document.querySelector(`.ora-player[data-player-id="${id}"] .ora-transcript`);
    const text = node ? node.textContent.trim() : "";
    const running = window.__runs[i] === "running";
    return (text || !running) ? { text, running, at: Date.now() } : null;
}"""


def test_oraudio_streams_live_then_leaves_the_saved_output_in_notebook_7(
    notebook7: Any, artifacts: Path, report: Report
) -> None:
    page = notebook7.page
    # Notebook 7's own notebook page, not JupyterLab's
    assert "/notebooks/notebook7.ipynb" in page.url
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    headers = '{"X-Emulator-Realtime": "1.0", "X-Emulator-Seconds": "6"}'
    notebook7.execute(f"%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {headers}")
    before = players(page)
    index = notebook7.run("%%oraudio\nPlease read this sentence aloud in Notebook 7.")
    player_id = new_player(page, before)
    seen = page.wait_for_function(WORDS_WHILE_RUNNING, arg=[player_id, index], timeout=60_000).json_value()
    assert seen["running"] and seen["text"], seen  # words in the page while the cell still runs
    page.wait_for_function(
        "(id) => window.__orAudio.players[id].schedule.length > 0", arg=player_id, timeout=60_000
    )
    notebook7.cell(index).screenshot(path=str(artifacts / "notebook7_live.png"))
    notebook7.wait(index)
    cell = notebook7.cell(index)
    saved_audio = cell.locator(".or-audio-reply audio")
    saved_audio.wait_for(state="attached", timeout=30_000)
    expect(cell.locator(".ora-player")).to_have_count(0, timeout=WAIT)  # the live player gave way
    transcript, seconds, first_audio, stream_end = json.loads(
        notebook_value(
            notebook7,
            "json.dumps([_oraudio.transcript, _oraudio.duration, first_audio_at[-1], stream_ended_at[-1]])",
        )
    )
    info = debug(page, player_id)
    # Words and sound reached the page before the stream's last event (kernel and page share a clock).
    first_words = info["textUpdates"][0]
    assert first_words["at"] < stream_end and 0 < first_words["length"] < len(transcript)
    assert info["firstScheduled"] is not None and info["firstScheduled"] < stream_end
    assert page.evaluate("(id) => window.__orAudio.players[id].text", player_id) == transcript
    assert sum(entry["duration"] for entry in info["schedule"]) == pytest.approx(seconds, abs=1e-3)
    duration = audio_duration(saved_audio)
    assert duration == pytest.approx(seconds, abs=0.05)
    assert "Notebook 7" in cell.locator(".or-audio-reply").inner_text()  # the transcript, as text
    cell.screenshot(path=str(artifacts / "notebook7_done.png"))
    page.screenshot(path=str(artifacts / "notebook7_page.png"))
    report(
        "notebook7_oraudio_cell",
        {
            "first_words_before_stream_end_ms": round(stream_end - first_words["at"]),
            "first_scheduled_before_stream_end_ms": round(stream_end - info["firstScheduled"]),
            "final_audio_duration_s": duration,
            "reply_duration_s": seconds,
            # one cell, which also loads the widget's code: a figure to compare, not the median
            "kernel_arrival_to_first_buffer_ms": round(info["firstScheduled"] - first_audio, 1),
        },
    )


def test_audio_chat_renders_its_controls_and_answers_in_notebook_7(notebook7: Any, artifacts: Path) -> None:
    page = notebook7.page
    cell = notebook7.execute("from or_audio_widgets import AudioChat\nchat7 = AudioChat()\nchat7")
    chat = cell.locator(".ora-chat")
    chat.wait_for(state="visible", timeout=30_000)
    # The upload's <input type=file> is made on click, so its button is what shows.
    for control in (".ora-recorder .ora-record", "textarea", ".widget-upload"):
        expect(chat.locator(control)).to_be_visible(timeout=WAIT)
    expect(chat.locator("select")).to_have_count(3, timeout=WAIT)  # model, voice, format
    assert chat.locator("select").first.input_value().startswith("openai/gpt-audio-mini")
    send = chat.locator("button.jupyter-button", has_text="Send")
    stop = chat.locator("button.jupyter-button", has_text="Stop")
    expect(send).to_be_enabled(timeout=WAIT)
    expect(stop).to_be_disabled(timeout=WAIT)  # nothing streams yet
    cell.screenshot(path=str(artifacts / "notebook7_chat.png"))
    # The controls are live: a typed prompt goes to the kernel and the answer plays in the panel.
    chat.locator("textarea").fill("Hello from Notebook 7")
    before = players(page)
    send.click()
    answer_id = new_player(page, before)
    answer = chat.locator(f".ora-player[data-player-id='{answer_id}']")
    answer.locator(".ora-transcript", has_text="You said: Hello from Notebook 7").wait_for(timeout=60_000)
    wait_done(page, answer_id)
    assert audio_duration(answer.locator(".ora-final audio")) > 0.5
    expect(send).to_be_enabled(timeout=WAIT)  # the panel is ready for the next turn
    cell.screenshot(path=str(artifacts / "notebook7_chat_answer.png"))
