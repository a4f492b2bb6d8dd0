"""The live controls in JupyterLab, in the light and the dark theme: a LivePlayer whose stream runs in a
background thread (the kernel stays free to hear the page) with Stop reply, mute and volume; and the Recorder
with its running clock and plain disabled states. Screenshots go to test-artifacts/ and the contrast of the
text against its background is checked (at least 4.5:1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report, audio_duration, new_player, notebook_value, players
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# A reply streamed in a thread, stopped by the player's own Stop button through on_stop.
SPEAK = """
import threading

def speak_stoppable(seconds=20):
    player, done, stops = LivePlayer(), {}, []
    def run():
        done["reply"] = stream_into(player, "Talk for a while; you will be stopped.", on_stop=stops.append,
                                    X_Emulator_Seconds=seconds)
    thread = threading.Thread(target=run, daemon=True)
    display(player)
    thread.start()
    return player, thread, done, stops
"""

# WCAG contrast of an element's text against the first opaque background behind it, counting opacity.
CONTRAST = r"""(el) => {
    const rgba = (c) => {
        const v = c.match(/rgba?\(([^)]+)\)/)[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
        return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
    };
    let bg = [255, 255, 255, 1], alpha = 1;
    for (let n = el; n; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor);
        if (c[3] > 0) { bg = c; break; }
    }
    for (let n = el; n; n = n.parentElement) alpha *= Number(getComputedStyle(n).opacity);
    const fg = rgba(getComputedStyle(el).color), a = fg[3] * alpha;
    const seen = fg.slice(0, 3).map((v, i) => v * a + bg[i] * (1 - a));
    const linear = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const weights = [0.2126, 0.7152, 0.0722];
    const lum = (rgb) => rgb.reduce((sum, v, i) => sum + linear(v / 255) * weights[i], 0);
    const [hi, lo] = [lum(seen), lum(bg.slice(0, 3))].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
}"""


def set_theme(page: Any, dark: bool) -> None:
    name = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', { theme })", name)
    light = str(not dark).lower()
    page.wait_for_function("(light) => document.body.dataset.jpThemeLight === light", arg=light)


@pytest.fixture(params=["light", "dark"])
def theme(request: pytest.FixtureRequest, notebook: Any) -> Iterator[str]:
    set_theme(notebook.page, request.param == "dark")
    try:
        yield request.param
    finally:
        set_theme(notebook.page, dark=False)


def contrasts(root: Any, selectors: list[str]) -> dict[str, float]:
    return {s: round(float(root.locator(s).first.evaluate(CONTRAST)), 2) for s in selectors}


def test_stop_mute_and_volume_on_a_streaming_reply(
    notebook: Any, theme: str, artifacts: Path, report: Report
) -> None:
    page = notebook.page
    notebook.execute(SPEAK)
    before = players(page)
    cell = notebook.execute(f"p_{theme}, t_{theme}, done_{theme}, stops_{theme} = speak_stoppable()")
    player_id = new_player(page, before)
    root = cell.locator(f".ora-player[data-player-id='{player_id}']")
    stop = root.locator(".ora-stop-reply")
    expect(stop).to_be_visible(timeout=30_000)  # shown once on_stop has a callback
    page.wait_for_function("(id) => window.__orAudio.players[id].have >= 3", arg=player_id, timeout=60_000)
    gain = "(id) => window.__orAudio.players[id].gain"
    root.locator(".ora-mute").click()
    assert page.evaluate(gain, player_id) == 0
    expect(root.locator(".ora-mute")).to_have_attribute("aria-pressed", "true")
    root.locator(".ora-mute").click()
    root.locator(".ora-volume").evaluate("(r) => { r.value = '0.6'; r.dispatchEvent(new Event('input')); }")
    assert page.evaluate(gain, player_id) == pytest.approx(0.6)
    live = contrasts(root, [".ora-status", ".ora-transcript", ".ora-stop-reply", ".ora-mute"])
    root.screenshot(path=str(artifacts / f"live_controls_{theme}.png"))

    stop.click()
    stop.evaluate("(b) => b.click()")  # a second press, as a double click would
    expect(root).to_have_attribute("data-state", "stopped", timeout=30_000)
    note = root.locator(".ora-stopped")
    expect(note).to_be_visible()
    expect(root.locator(".ora-incomplete")).to_be_hidden()
    expect(root.locator(".ora-live-controls")).to_be_hidden()
    stop.evaluate("(b) => b.click()")  # after the end: nothing happens
    kernel = json.loads(
        notebook_value(
            notebook,
            f"t_{theme}.join(10) or json.dumps([len(stops_{theme}), done_{theme}['reply'].complete, "
            f"done_{theme}['reply'].duration, p_{theme}.stop_requested])",
        )
    )
    stops, complete, kept, requested = kernel
    assert stops == 1 and requested and complete is False
    assert 0.5 < kept < 19  # cut short, and what arrived is kept
    assert audio_duration(root.locator(".ora-final audio")) == pytest.approx(kept, abs=0.01)
    ended = contrasts(root, [".ora-status", ".ora-transcript", ".ora-stopped"])
    root.screenshot(path=str(artifacts / f"stopped_reply_{theme}.png"))
    report(f"live_controls_contrast_{theme}", {"live": live, "stopped": ended, "stopped_after_s": kept})
    assert min([*live.values(), *ended.values()]) >= 4.5, (live, ended)


def test_the_recorder_shows_its_clock_and_which_buttons_work(
    notebook: Any, theme: str, artifacts: Path
) -> None:
    page = notebook.page
    cell = notebook.execute("from or_audio_widgets import Recorder\nRecorder(max_seconds=30)")
    recorder = cell.locator(".ora-recorder")
    record, stop = recorder.locator(".ora-record"), recorder.locator(".ora-stop")
    expect(stop).to_be_disabled()
    expect(stop).to_have_text("■ Stop recording")
    idle = contrasts(recorder, [".ora-record", ".ora-timer", ".ora-status"])
    record.click()
    expect(recorder).to_have_attribute("data-state", "recording", timeout=30_000)
    expect(recorder.locator(".ora-timer")).to_have_text("0:01 / 0:30", timeout=10_000)
    expect(record).to_be_disabled()
    assert record.evaluate("(b) => getComputedStyle(b).cursor") == "not-allowed"
    recording = contrasts(recorder, [".ora-stop", ".ora-timer", ".ora-status"])
    recorder.screenshot(path=str(artifacts / f"recorder_recording_{theme}.png"))
    stop.click()
    expect(recorder).to_have_attribute("data-state", "ready", timeout=30_000)
    expect(stop).to_be_disabled()
    recorder.screenshot(path=str(artifacts / f"recorder_ready_{theme}.png"))
    recorder_id = recorder.get_attribute("data-recorder-id")
    assert page.evaluate("(id) => window.__orAudio.recorders[id].micOpen", recorder_id) is False
    assert min([*idle.values(), *recording.values()]) >= 4.5, (idle, recording)
