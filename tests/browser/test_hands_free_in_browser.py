"""AudioChat hands-free in JupyterLab: Chromium's fake microphone says a sentence, pauses 4 s, says
another; with no click after Hands-free is turned on, that makes two turns and two replies; speech over a
streaming reply stops it (barge-in); the microphone refused or lost leaves hands-free, saying why."""

from __future__ import annotations

import json
import statistics
from typing import Any

import pytest
from _browser_pages import audio_duration, notebook_value, plays
from _chat_checks import user_turn
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CHAT = """
from or_audio_widgets import AudioChat, OpenRouterAudio, start_emulator
from or_audio_widgets.jupyter._widgets import LivePlayer
{name}_emu = start_emulator(port=0, realtime={realtime})
{name} = AudioChat(client=OpenRouterAudio("k", base_url={name}_emu.base_url), end_silence={end_silence})
# a first exchange on the same emulator, so its speech and recognition are loaded before the timed turns
import io, math, struct, wave
_take = io.BytesIO()
with wave.open(_take, "wb") as _w:
    _w.setnchannels(1); _w.setsampwidth(2); _w.setframerate(16000)
    _w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(16000)))
assert AudioChat(client=OpenRouterAudio("k", base_url={name}_emu.base_url)).send(audio=_take.getvalue())
{name}
"""

TIMES = """
def spoken_times(chat):
    players = [c.player_id for c in chat.history.children if isinstance(c, LivePlayer)]
    users = [t for t in chat.turns if t.role == "user"]
    return json.dumps([{**t.times, "player": p} for t, p in zip(users, players)])
"""


def open_chat(book: Any, name: str, realtime: float, end_silence: float = 0.7) -> Any:
    cell = book.execute(CHAT.format(name=name, realtime=realtime, end_silence=end_silence))
    cell.locator(".ora-recorder").wait_for(timeout=60_000)
    return cell


def toggle(cell: Any) -> None:
    cell.locator("button.widget-toggle-button", has_text="Hands-free").click()


def recorder(page: Any, cell: Any) -> dict[str, Any]:
    rid = cell.locator(".ora-recorder").get_attribute("data-recorder-id")
    return dict(page.evaluate("(id) => window.__orAudio.recorders[id]", rid))


def wait_turns(page: Any, cell: Any, count: int, timeout: float = 60.0) -> None:
    rid = cell.locator(".ora-recorder").get_attribute("data-recorder-id")
    page.wait_for_function(
        "([id, n]) => { const r = window.__orAudio.recorders[id]; return r.hf && r.hf.turns >= n; }",
        arg=[rid, count], timeout=timeout * 1000,
    )


def kernel(book: Any, expression: str) -> Any:
    return json.loads(notebook_value(book, f"json.dumps({expression})"))


def replies_done(book: Any, name: str, count: int, timeout: float = 60.0) -> None:
    """Wait in the kernel until ``count`` replies have ended (a bounded loop in a cell)."""
    replies = f"sum(t.role == 'assistant' for t in {name}.turns)"
    book.execute(f"import time\n_t = time.monotonic()\nwhile ({replies} < {count} or not {name}.wait(0)) "
                 f"and time.monotonic() - _t < {timeout}: time.sleep(0.05)", timeout + 30)


def latency(book: Any, page: Any, name: str) -> list[dict[str, float]]:
    book.execute(TIMES)
    found = []
    for times in kernel(book, f"json.loads(spoken_times({name}))"):
        shown = page.evaluate("(id) => window.__orAudio.players[id].firstScheduled", times["player"])
        if shown is None or "first_audio" not in times:
            continue
        found.append({
            "upload": times["received"] - times["ended"], "request": times["open"] - times["received"],
            "turn_start": times["begun"] - times["received"], "history": times["request"] - times["begun"],
            "http_open": times["open"] - times["request"],
            "first_audio": times["first_audio"] - times["open"],
            "to_page": shown / 1000 - times["first_audio"],
            "total": shown / 1000 - times["ended"],
        })
    return found


def test_two_sentences_make_two_turns_and_two_replies_with_no_click(
    talking_notebook: Any, report: Any
) -> None:
    book, page = talking_notebook, talking_notebook.page
    cell = open_chat(book, "hchat", 0)
    toggle(cell)
    wait_turns(page, cell, 2)
    replies_done(book, "hchat", 2)
    said = kernel(book, "[(t.role, bool(t.parts), t.reply and t.reply.complete) for t in hchat.turns]")
    assert said == [["user", True, None], ["assistant", False, True]] * 2
    for index in range(2):  # each take's player in its turn, under a label that says what it is
        layout = user_turn(cell.locator(".ora-user-turn").nth(index))
        assert layout == {"label": "You sent a recording:", "playerBelowLabel": True, "playerInTurn": True}
    hf = recorder(page, cell)["hf"]
    assert hf["speechStarts"] == 2 and hf["turns"] == 2
    # each take is its sentence (about 3 s), not the whole microphone
    lengths = kernel(book, "[t.sources[0] for t in hchat.turns[::2]]")
    assert all(2.0 < float(s.split("(")[1].split(" s")[0]) < 4.5 for s in lengths), lengths
    # silence forever: nothing more is sent, and the widget says it hears nothing
    rid = cell.locator(".ora-recorder").get_attribute("data-recorder-id")
    page.wait_for_function("(id) => window.__orAudio.recorders[id].hf.quietHint", arg=rid, timeout=30_000)
    assert "no speech heard" in cell.locator(".ora-recorder .ora-status").inner_text()
    assert kernel(book, "len(hchat.turns)") == 4 and recorder(page, cell)["hf"]["turns"] == 2
    samples = latency(book, page, "hchat")
    for _ in range(2):  # the fake microphone starts its file again each time it is opened
        toggle(cell)
        expect(cell.locator(".ora-recorder")).to_have_attribute("data-state", "idle")
        before = kernel(book, "len(hchat.turns)")
        toggle(cell)
        wait_turns(page, cell, 2)
        replies_done(book, "hchat", before // 2 + 2)
    samples = latency(book, page, "hchat")[:5]
    assert len(samples) == 5
    medians = {key: round(1000 * statistics.median(s[key] for s in samples)) for key in samples[0]}
    totals = [round(1000 * s["total"]) for s in samples]
    report("hands_free_latency_ms", {"median_of_5": medians, "each_total": totals})
    toggle(cell)


def test_speech_over_a_playing_reply_stops_it_and_keeps_it_playable(talking_notebook: Any) -> None:
    book, page = talking_notebook, talking_notebook.page
    # A quicker end of turn leaves 3.6 s of the pause for the first reply's audio to begin; paced at half
    # the speed of speech, it is still arriving (about 10 s of streaming) when the second sentence begins.
    cell = open_chat(book, "bchat", 0.5, end_silence=0.4)
    toggle(cell)
    wait_turns(page, cell, 2)
    replies_done(book, "bchat", 2)
    toggle(cell)
    state = kernel(book, "[(t.interrupted, t.reply.complete) for t in bchat.turns if t.role == 'assistant']")
    assert state == [[True, False], [False, True]]
    assert kernel(book, "bchat_emu.clients_left") == 1  # the connection was closed before the end
    first = kernel(book, "[c.player_id for c in bchat.history.children if isinstance(c, LivePlayer)][0]")
    player = cell.locator(f".ora-player[data-player-id='{first}']")
    expect(player).to_have_attribute("data-state", "stopped")
    final = player.locator(".ora-final audio")
    kept = page.evaluate("(id) => window.__orAudio.players[id].bytes / 48000", first)
    assert kept > 0.2, f"the first reply had {kept:.2f} s of audio when the second sentence stopped it"
    assert audio_duration(final) == pytest.approx(kept, abs=0.01)  # the partial reply, whole
    assert plays(page, final)
    expect(cell.locator(".ora-interrupted")).to_have_count(1)


def test_a_refused_or_lost_microphone_leaves_hands_free_and_says_why(talking_notebook: Any) -> None:
    book, page = talking_notebook, talking_notebook.page
    cell = open_chat(book, "mchat", 0)
    page.evaluate("""() => {
        const md = navigator.mediaDevices;
        window.__realGum = window.__realGum || md.getUserMedia.bind(md);
        md.getUserMedia = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
    }""")
    toggle(cell)
    message = cell.locator(".ora-recorder .ora-message")
    expect(message).to_contain_text("permission was refused")
    expect(message).to_contain_text("Hands-free on again")
    expect(cell.locator("button.widget-toggle-button.mod-active")).to_have_count(0)  # the toggle shows it off
    assert kernel(book, "mchat.hands_free.value") is False
    assert "Hands-free stopped" in kernel(book, "mchat.status.value")
    # permission withdrawn mid-conversation: the browser ends the track
    page.evaluate("""() => {
        const md = navigator.mediaDevices;
        md.getUserMedia = async (c) => {
            const s = await window.__realGum(c);
            window.__lastStream = s;
            return s;
        };
    }""")
    toggle(cell)
    expect(cell.locator(".ora-recorder")).to_have_attribute("data-state", "listening")
    assert recorder(page, cell)["micOpen"]
    page.evaluate("""() => {
        for (const t of window.__lastStream.getTracks()) { t.stop(); t.dispatchEvent(new Event("ended")); }
    }""")
    expect(message).to_contain_text("The microphone stopped")
    assert not recorder(page, cell)["micOpen"]
    assert kernel(book, "mchat.hands_free.value") is False
    page.evaluate("() => { navigator.mediaDevices.getUserMedia = window.__realGum; }")
