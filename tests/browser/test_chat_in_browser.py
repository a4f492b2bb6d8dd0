"""AudioChat and the Recorder in JupyterLab: Chromium's fake microphone, Send, "Stop reply" mid-stream, the
conversation's context, and the messages for a refused or missing microphone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report, audio_duration, new_player, notebook_value, players, plays, seek, wait_done
from _chat_checks import cut_text, user_turn
from _contrast import contrasts, set_theme
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_audio_chat_sends_a_recording_and_stop_keeps_a_playable_partial_reply(
    notebook: Any, artifacts: Path, report: Report
) -> None:
    page = notebook.page
    index = notebook.run(
        "from or_audio_widgets import AudioChat\nchat = AudioChat(model='google/gemini-2.5-flash')\nchat"
    )
    notebook.wait(index)
    cell = notebook.cell(index)
    cell.locator(".ora-record").click()
    cell.locator(".ora-recorder[data-state='recording']").wait_for(timeout=30_000)
    page.wait_for_timeout(2500)  # the length of the take, not a synchronisation
    cell.screenshot(path=str(artifacts / "chat_recording.png"))
    cell.locator(".ora-stop").click()
    cell.locator(".ora-recorder[data-state='ready']").wait_for(timeout=30_000)
    recorder_id = cell.locator(".ora-recorder").get_attribute("data-recorder-id")
    take = page.evaluate("(id) => window.__orAudio.recorders[id]", recorder_id)
    assert take["maxLevel"] > 0.2, take  # the meter moved: the fake microphone's speech was heard
    assert "ready to send" in cell.locator(".ora-recorder .ora-status").inner_text()
    assert plays(page, cell.locator(".ora-recorder audio"))  # the take can be heard back
    cell.screenshot(path=str(artifacts / "chat_recorded.png"))
    before = players(page)
    cell.locator("button.jupyter-button", has_text="Send").click()
    answer_id = new_player(page, before)
    answer = cell.locator(f".ora-player[data-player-id='{answer_id}']")
    answer.locator(".ora-transcript", has_text="duration=").wait_for(timeout=60_000)
    wait_done(page, answer_id)
    found = re.search(r"duration=(\d+\.\d{3})s", answer.locator(".ora-transcript").inner_text())
    assert found, answer.inner_text()
    heard = float(found.group(1))
    assert heard == pytest.approx(take["prepared"]["duration"], abs=0.01)
    assert heard == pytest.approx(take["ms"] / 1000, abs=0.5)  # what the page recorded
    cell.screenshot(path=str(artifacts / "chat_answer.png"))
    # the recording sits in its turn, under a label that says what was sent
    assert user_turn(cell.locator(".ora-user-turn").first) == {
        "label": "You sent a recording:", "playerBelowLabel": True, "playerInTurn": True}
    report("chat_recording", {"recorded_ms": round(take["ms"]), "emulator_heard_s": heard})

    # The conversation goes on: a spoken reply, stopped mid-stream, stays playable.
    notebook.execute("chat.model_picker.value = 'openai/gpt-audio-mini'")
    prompt = "Please talk for a long while about the weather in many places."
    cell.locator(".ora-chat textarea").fill(prompt)
    before = players(page)
    cell.locator("button.jupyter-button", has_text="Send").click()
    spoken_id = new_player(page, before)
    # 1.2 s of audio in the page (raw pcm16 or decoded Opus alike: chunk counts differ between the two)
    page.wait_for_function("(id) => window.__orAudio.players[id].bytes >= 1.2 * 48000", arg=spoken_id,
                           timeout=60_000)
    spoken = cell.locator(f".ora-player[data-player-id='{spoken_id}']")
    expect(cell.locator("button:visible", has_text="Stop reply")).to_have_count(1)  # the panel's, by Send
    spoken.locator(".ora-mute").click()  # silences the live voice ...
    expect(spoken.locator(".ora-mute")).to_have_text("Unmute")
    cell.locator("button.jupyter-button", has_text="Stop reply").click()
    # The person's own choice: a calm note, not the warning of a reply that broke.
    spoken.locator(".ora-stopped").wait_for(state="visible", timeout=30_000)
    assert "Stopped" in spoken.locator(".ora-stopped").inner_text()
    expect(spoken).to_have_attribute("data-state", "stopped")
    expect(spoken.locator(".ora-incomplete")).to_be_hidden()
    final = spoken.locator(".ora-final audio")
    assert final.evaluate("(a) => [a.muted, a.volume]") == [False, 1]  # ... not the turn's saved player
    duration = audio_duration(final)
    kept = page.evaluate("(id) => window.__orAudio.players[id].bytes / 48000", spoken_id)
    assert 1.0 <= duration == pytest.approx(kept, abs=0.01)
    assert seek(final, duration / 2) == pytest.approx(duration / 2, abs=0.05)
    link = spoken.locator(".ora-final a.ora-download")
    assert link.get_attribute("download") == "turn-2.wav"  # the second exchange, as the saved record names it
    assert link.inner_text() == "download turn-2.wav"
    expect(cell.locator(".widget-label", has_text="stopped, what arrived is kept")).to_be_visible()
    assert link.get_attribute("href") == final.get_attribute("src")
    assert plays(page, final)
    cell.screenshot(path=str(artifacts / "chat_stopped.png"))
    # The first exchange is still in the panel, and went to the model as context for the second.
    expect(answer).to_have_attribute("data-state", "done")
    sent = json.loads(notebook_value(notebook, "json.dumps(chat_request_shape(chat))"))
    assert sent["roles"] == ["user", "assistant", "user"]
    assert "input_audio" in sent["first_user_parts"] and f"duration={heard:.3f}s" in sent["assistant"]
    assert sent["last_user"] == prompt
    assert sent["turns"] == 4 and sent["stopped_reply_kept_s"] == pytest.approx(duration, abs=0.01)
    report("chat_stop", {"partial_audio_s": round(duration, 3)})


@pytest.mark.parametrize(
    ("error", "expected"),
    [("NotAllowedError", "permission was refused"), ("NotFoundError", "No microphone was found")],
)
def test_the_recorder_explains_a_refused_or_missing_microphone(
    notebook: Any, artifacts: Path, error: str, expected: str
) -> None:
    page = notebook.page
    cell = notebook.execute("from or_audio_widgets import Recorder\nRecorder()")
    page.evaluate(
        """(name) => {
            window.__realGetUserMedia = navigator.mediaDevices.getUserMedia;
            navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("no", name));
        }""",
        error,
    )
    try:
        cell.locator(".ora-record").click()
        message = cell.locator(".ora-message")
        message.wait_for(state="visible", timeout=10_000)
        assert expected in message.inner_text()
        assert cell.locator(".ora-recorder").get_attribute("data-state") == "error"
        assert cell.locator(".ora-record").is_enabled()  # the person can try again
        cell.screenshot(path=str(artifacts / f"recorder_{error}.png"))
    finally:
        page.evaluate("() => { navigator.mediaDevices.getUserMedia = window.__realGetUserMedia; }")


TAKE = """
import io, math, struct, wave
_take = io.BytesIO()
with wave.open(_take, "wb") as _w:
    _w.setnchannels(1); _w.setsampwidth(2); _w.setframerate(16000)
    _w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(16000)))
"""


def test_the_chat_panel_is_whole_beside_the_file_browser_in_light_and_dark(
    notebook: Any, artifacts: Path, report: Report
) -> None:
    page = notebook.page
    cell = notebook.execute("from or_audio_widgets import AudioChat\nlchat = AudioChat()\nlchat")
    notebook.execute(TAKE + "lchat.send('Hello'); lchat.send(audio=_take.getvalue()); assert lchat.wait(60)")
    panel = cell.locator(".ora-chat")
    expect(panel.locator(".ora-player[data-state='done']")).to_have_count(2)
    page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    assert page.evaluate("() => !window.jupyterapp.shell.leftCollapsed")  # the file browser takes its room
    status = panel.locator(".ora-chat-status")
    expect(status).to_contain_text("offline emulator")
    lowest: dict[str, float] = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(page, theme)
            for width in (1000, 1400):
                page.set_viewport_size({"width": width, "height": 900})
                panel.scroll_into_view_if_needed()
                name = f"chat_panel_{width}_{theme.split()[-1].lower()}"
                cell.screenshot(path=str(artifacts / f"{name}.png"))
                assert cut_text(panel) == [], name  # the status line, the buttons: nothing cut off
                assert user_turn(panel.locator(".ora-user-turn").last)["playerInTurn"], name
                found = contrasts(panel)
                lowest[name] = round(min(c["ratio"] for c in found), 2)
                assert [c for c in found if c["ratio"] < 4.5] == [], name
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        set_theme(page, "JupyterLab Light")
    report("chat_panel_lowest_contrast", lowest)
