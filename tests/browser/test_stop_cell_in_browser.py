"""Stop in a ``%%oraudio`` cell, in JupyterLab, in the light and the dark theme: the reply streams at the
speed of speech on the kernel's main thread, the live player's Stop is pressed mid-stream, and the cell
ends with the partial reply kept (``_oraudio``, ``--out``), playable, and a calm "Stopped" note in the
saved output, not an error. The kernel's offline emulator sees its client leave before the reply ended.
Screenshots of the live cell and of the stopped one go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report, audio_duration, new_player, notebook_value, players, plays
from playwright.sync_api import expect
from test_live_controls_in_browser import CONTRAST, set_theme

pytestmark = pytest.mark.browser

PROMPT = ("Tell me a long story about a lighthouse keeper, the sea, the gulls, the storms of winter, the "
          "ships that pass at night, the letters that come twice a year, and the lamp that must never go "
          "out, in many long sentences please.")
# replies the kernel's offline emulator saw their client leave before they ended (0 before it started)
LEFT = ("getattr(__import__('or_audio_widgets.jupyter._offline', fromlist=['_']).current_emulator(), "
        "'clients_left', 0)")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_stop_in_an_oraudio_cell_keeps_the_partial_reply_calmly(
    notebook: Any, dark: bool, artifacts: Path, report: Report
) -> None:
    theme = "dark" if dark else "light"
    page = notebook.page
    set_theme(page, dark)
    try:
        notebook.execute("%load_ext or_audio_widgets")
        full = float(notebook_value(notebook, f"_client.speak({PROMPT!r}, model='openai/gpt-audio-mini', "
                                              "headers={'X-Emulator-Realtime': '0'}).duration"))
        left = int(notebook_value(notebook, LEFT))
        before = players(page)
        index = notebook.run(f"%%oraudio --out story_{theme}\n{PROMPT}")
        player_id = new_player(page, before)
        cell = notebook.cell(index)
        root = cell.locator(f".ora-player[data-player-id='{player_id}']")
        stop = root.locator(".ora-stop-reply")
        expect(stop).to_be_visible(timeout=30_000)  # shown: the kernel can hear it while the cell runs
        page.wait_for_function("(id) => window.__orAudio.players[id].have >= 4", arg=player_id)
        cell.screenshot(path=str(artifacts / f"cell_streaming_stoppable_{theme}.png"))
        clicked = page.evaluate("() => Date.now()")
        stop.click()
        notebook.wait(index, timeout=30)  # the whole reply would take longer; the cell ends on Stop
        ended_after = (page.evaluate("(i) => window.__runEnds[i]", index) - clicked) / 1000

        saved = cell.locator(".or-audio-reply")
        note = saved.locator(".or-audio-stopped")
        expect(note).to_have_text("Stopped at your request; what arrived is kept.")
        expect(saved).not_to_contain_text("incomplete")
        expect(cell.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
        audio = saved.locator("audio")
        kept = audio_duration(audio)
        assert plays(page, audio)
        asked = f"[_oraudio.complete, _oraudio.duration, story_{theme} is _oraudio, {LEFT}]"
        facts = json.loads(notebook_value(notebook, f"json.dumps({asked})"))
        complete, duration, named, left_after = facts
        assert complete is False and named
        assert kept == pytest.approx(duration, abs=0.05)
        assert 0 < kept < full - 1, (kept, full)  # shorter than the full reply
        for _ in range(20):  # the emulator notices at its next write to the closed connection
            if left_after > left:
                break
            page.wait_for_timeout(500)
            left_after = int(notebook_value(notebook, LEFT))
        assert left_after == left + 1  # the emulator saw the connection closed before the end
        contrast = round(float(note.evaluate(CONTRAST)), 2)
        cell.screenshot(path=str(artifacts / f"cell_stopped_{theme}.png"))
        report(f"cell_stop_{theme}", {"kept_s": round(kept, 2), "full_s": round(full, 2),
                                      "cell_ended_after_stop_s": round(ended_after, 2),
                                      "note_contrast": contrast})
        assert contrast >= 4.5
    finally:
        set_theme(page, dark=False)
