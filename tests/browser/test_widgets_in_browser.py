"""The widgets in a real browser: JupyterLab in headless Chromium, the emulator pacing at real time.

Figures (latency from the kernel to the first scheduled buffer, contiguity, front-end traffic) are printed
and written to test-artifacts/widget_figures.json.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FIGURES: dict[str, Any] = {}
RUNS = 5  # streams measured for the latency median

SETUP = """
import json
from or_audio_widgets import AudioDelta, OpenRouterAudio, TextDelta, TranscriptDelta, start_emulator
from or_audio_widgets.jupyter._widgets import LivePlayer

_emu = start_emulator(port=0, realtime=1.0)
_client = OpenRouterAudio("offline", base_url=_emu.base_url)

# When each stream's first audio chunk came out of the client (ms since the epoch): the moment it
# "reached the kernel", whoever feeds the player afterwards (the magics' display, or stream_into).
import time
from or_audio_widgets import _replystream
first_audio_at = []
stream_ended_at = []  # when each stream's last event came out of the client
_plain_iter = _replystream.ReplyStream.__iter__

def _timed_iter(self):
    seen = False
    try:
        for event in _plain_iter(self):
            if isinstance(event, AudioDelta) and not seen:
                seen = True
                first_audio_at.append(time.time() * 1000)
            yield event
    finally:
        stream_ended_at.append(time.time() * 1000)

_replystream.ReplyStream.__iter__ = _timed_iter

def stream_into(player, prompt, **headers):
    # What a notebook author would write: each event goes to the player as it arrives.
    headers = {k.replace("_", "-"): str(v) for k, v in headers.items()}
    audio = {"voice": "alloy", "format": "wav"}
    with _client.open(prompt, model="openai/gpt-4o-audio-preview", audio=audio, headers=headers) as s:
        for event in s:
            if isinstance(event, (TranscriptDelta, TextDelta)):
                player.append_transcript(event.text)
            elif isinstance(event, AudioDelta):
                player.append_pcm(event.data)
        reply = s.reply
    player.finish(reply)
    return reply
"""


CHAT_REQUEST_SHAPE = """
def chat_request_shape(chat):
    # What the offline emulator received for the chat's last turn, and what the chat kept.
    from or_audio_widgets.jupyter import _conversation
    posts = [r for r in _conversation._OFFLINE["emulator"].requests if r.path.endswith("/chat/completions")]
    messages = posts[-1].json["messages"]
    first = messages[0]["content"]
    return {
        "roles": [m["role"] for m in messages],
        "first_user_parts": [p.get("type") for p in first] if isinstance(first, list) else [],
        "assistant": messages[1]["content"],
        "last_user": messages[-1]["content"],
        "turns": len(chat.turns),
        "stopped_reply_kept_s": chat.turns[-1].reply.duration,
    }
"""


@pytest.fixture(scope="module", autouse=True)
def figures(notebook: Any) -> Iterator[dict[str, Any]]:
    """Sets the kernel up; at the end writes the figures the tests gathered."""
    notebook.execute(SETUP + CHAT_REQUEST_SHAPE)
    yield FIGURES
    out = Path(__file__).resolve().parents[2] / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "widget_figures.json").write_text(json.dumps(FIGURES, indent=2, sort_keys=True))


def report(capsys: pytest.CaptureFixture[str], name: str, value: Any) -> None:
    FIGURES[name] = value
    with capsys.disabled():
        print(f"\n[widget figures] {name}: {json.dumps(value)}")


def players(page: Any) -> list[str]:
    return list(page.evaluate("() => Object.keys((window.__orAudio || {players: {}}).players)"))


def debug(page: Any, player_id: str) -> dict[str, Any]:
    return dict(page.evaluate("(id) => window.__orAudio.players[id].debug", player_id))


def new_player(page: Any, before: list[str], timeout: float = 60.0) -> str:
    """The id of the first player that appeared in the page after ``before`` was taken."""
    page.wait_for_function(
        "(n) => window.__orAudio && Object.keys(window.__orAudio.players).length > n",
        arg=len(before),
        timeout=timeout * 1000,
    )
    return next(p for p in players(page) if p not in before)


def contiguity_error(schedule: list[dict[str, float]]) -> float:
    """Largest distance (seconds) between a buffer's start and the previous buffer's end."""
    gaps = [abs(b["start"] - (a["start"] + a["duration"])) for a, b in itertools.pairwise(schedule)]
    return max(gaps, default=0.0)


def running(page: Any, index: int) -> bool:
    return bool(page.evaluate("(i) => window.__runs[i] === 'running'", index))


def audio_duration(locator: Any) -> float:
    """Wait for the <audio> element to load its metadata; its duration in seconds."""
    locator.wait_for(state="attached", timeout=20_000)
    return float(
        locator.evaluate(
            """(a) => new Promise((resolve, reject) => {
                if (a.readyState >= 1) return resolve(a.duration);
                a.addEventListener("loadedmetadata", () => resolve(a.duration), { once: true });
                const fail = () => reject(new Error("audio error " + (a.error && a.error.code)));
                a.addEventListener("error", fail);
                a.load();
            })"""
        )
    )


def test_oraudio_cell_streams_live_then_leaves_a_playable_file(
    notebook: Any, artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = notebook.page
    notebook.execute(
        '%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {"X-Emulator-Realtime": "1.0"}'
    )
    before = players(page)
    prompt = "Please read this sentence aloud, slowly, so that the reply takes a few seconds to arrive."
    index = notebook.run(f"%%oraudio\n{prompt}")
    player_id = new_player(page, before, timeout=60)
    notebook.wait(index)
    cell = notebook.cell(index)
    # The live player has given way to the static saved output (which plays after a reopen).
    saved_audio = cell.locator(".or-audio-reply audio")
    saved_audio.wait_for(state="attached", timeout=30_000)
    expect(cell.locator(".ora-player")).to_have_count(0, timeout=30_000)
    transcript, seconds, first_audio, stream_end = json.loads(
        notebook_value(
            notebook,
            "json.dumps([_oraudio.transcript, _oraudio.duration, first_audio_at[-1], stream_ended_at[-1]])",
        )
    )
    info = debug(page, player_id)
    heard = page.evaluate("(id) => window.__orAudio.players[id].text", player_id)
    # Words and sound reached the page while the stream was still arriving (kernel and page share a clock).
    first_words = info["textUpdates"][0]
    assert first_words["at"] < stream_end and 0 < first_words["length"] < len(transcript)
    assert heard == transcript
    assert info["firstScheduled"] < stream_end, "no audio was scheduled before the stream ended"
    # Every chunk was played live, in order, back to back: the whole reply, with no gap.
    schedule = info["schedule"]
    assert [entry["seq"] for entry in schedule] == list(range(len(schedule)))
    assert sum(entry["duration"] for entry in schedule) == pytest.approx(seconds, abs=1e-3)
    assert info["underruns"] == 0 and contiguity_error(schedule) < 1e-6
    duration = audio_duration(saved_audio)
    assert duration == pytest.approx(seconds, abs=0.05)
    assert seek(saved_audio, duration / 2) == pytest.approx(duration / 2, abs=0.05)
    cell.screenshot(path=str(artifacts / "oraudio_done.png"))
    latencies = [info["firstScheduled"] - first_audio]
    latencies += [oraudio_latency(notebook, artifacts, run) for run in range(2)]
    report(
        capsys,
        "oraudio_cell",
        {
            "final_transcript_chars": len(transcript),
            "first_words_chars": first_words["length"],
            "first_words_before_stream_end_ms": round(stream_end - first_words["at"]),
            "first_scheduled_before_stream_end_ms": round(stream_end - info["firstScheduled"]),
            "buffers": len(schedule),
            "final_audio_duration_s": duration,
            "reply_duration_s": seconds,
            # from the client yielding the first audio chunk to the page scheduling it, through the
            # magics' display; the first cell also loads the widget's code
            "kernel_arrival_to_first_buffer_ms": [round(x, 1) for x in latencies],
            "kernel_arrival_to_first_buffer_median_ms": round(statistics.median(latencies), 1),
        },
    )
    assert statistics.median(latencies) < 300


def oraudio_latency(notebook: Any, artifacts: Path, run: int) -> float:
    """Run a short ``%%oraudio`` cell; ms from the client's first audio chunk to the page scheduling it."""
    page = notebook.page
    short = '{"X-Emulator-Realtime": "1.0", "X-Emulator-Seconds": "2"}'
    notebook.execute(f"%config OrAudioMagics.headers = {short}")
    before = players(page)
    index = notebook.run(f"%%oraudio\nRun {run}: a short sentence for the latency of a cell.")
    player_id = new_player(page, before, timeout=60)
    if run == 0:  # the live state, once its first buffer is scheduled (not to disturb the measurement)
        page.wait_for_function(
            "(id) => { const d = window.__orAudio.players[id].debug; return d.schedule.length > 0; }",
            arg=player_id,
            timeout=60_000,
        )
        notebook.cell(index).screenshot(path=str(artifacts / "oraudio_live.png"))
    notebook.wait(index)
    notebook.execute('%config OrAudioMagics.headers = {"X-Emulator-Realtime": "1.0"}')
    first_audio = float(notebook_value(notebook, "first_audio_at[-1]"))
    return float(debug(page, player_id)["firstScheduled"]) - first_audio


def seek(audio: Any, to: float) -> float:
    """Seek the <audio> element to ``to`` seconds; where it landed."""
    return float(
        audio.evaluate(
            """(a, to) => new Promise((resolve) => {
                a.addEventListener("seeked", () => resolve(a.currentTime), { once: true });
                a.currentTime = to;
            })""",
            to,
        )
    )


def notebook_value(notebook: Any, expression: str) -> str:
    """Evaluate ``expression`` in the kernel (printed by a new cell) and return its text."""
    cell = notebook.execute(f"print({expression})")
    return str(cell.locator(".jp-OutputArea-output").last.inner_text()).strip()


def test_first_audio_is_scheduled_quickly_and_buffers_are_contiguous(
    notebook: Any, artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = notebook.page
    before = players(page)
    code = f"""
for run in range({RUNS}):
    p = LivePlayer()
    display(p)
    stream_into(p, f"Run {{run}}: a short sentence for the latency measurement.", X_Emulator_Seconds=2)
"""
    index = notebook.run(code)
    notebook.wait(index, timeout=120)
    ids = [p for p in players(page) if p not in before]
    assert len(ids) == RUNS
    latencies, arrivals, sounds, errors, buffers = [], [], [], [], 0
    for player_id in ids:
        info = debug(page, player_id)
        assert info["underruns"] == 0 and info["state"] == "done"
        latencies.append(info["firstScheduled"] - info["firstChunkKernelTs"])
        arrivals.append(info["firstChunkArrived"] - info["firstChunkKernelTs"])
        # when the first buffer is due to sound: scheduled plus the jitter lead
        sounds.append(latencies[-1] + 1000 * info["firstLead"])
        errors.append(contiguity_error(info["schedule"]))
        buffers += len(info["schedule"])
    # The same measured from the client's first audio event (stream_into feeds the player at once).
    yielded = json.loads(notebook_value(notebook, f"json.dumps(first_audio_at[-{RUNS}:])"))
    from_client = [debug(page, p)["firstScheduled"] - t for p, t in zip(ids, yielded, strict=True)]
    notebook.cell(index).screenshot(path=str(artifacts / "live_player_runs.png"))
    median = statistics.median(latencies)
    report(
        capsys,
        "latency_kernel_to_first_buffer_ms",
        {
            "runs": [round(x, 1) for x in latencies],
            "median": round(median, 1),
            "kernel_to_page_arrival_median": round(statistics.median(arrivals), 1),
            "client_event_to_first_buffer_median": round(statistics.median(from_client), 1),
            "kernel_to_first_sound_median": round(statistics.median(sounds), 1),
            "lead_before_sound_s": info["firstLead"],
        },
    )
    slack = min(entry["slack"] for player_id in ids for entry in debug(page, player_id)["schedule"])
    report(
        capsys,
        "contiguity",
        {"buffers": buffers, "max_gap_s": max(errors), "underruns": 0, "min_slack_s": round(slack, 3)},
    )
    assert median < 300 and statistics.median(from_client) < 300
    assert statistics.median(sounds) < 300  # even counting the lead, the first sound starts in time
    assert max(errors) < 1e-6


def test_a_sixty_second_reply_costs_the_page_under_1_1_times_its_pcm(
    notebook: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    page = notebook.page
    notebook.execute("pass")  # settle: nothing else is streaming
    before, ws_before = players(page), notebook.ws_received
    code = """
p60 = LivePlayer()
display(p60)
r60 = stream_into(p60, "A long one.", X_Emulator_Seconds=60, X_Emulator_Realtime=0)
print(json.dumps(p60.traffic))
"""
    index = notebook.run(code)
    notebook.wait(index, timeout=60)
    player_id = next(p for p in players(page) if p not in before)
    page.wait_for_function("(id) => window.__orAudio.players[id].debug.state === 'done'", arg=player_id)
    ws_bytes = notebook.ws_received - ws_before
    kernel = json.loads(notebook.cell(index).locator(".jp-OutputArea-output").last.inner_text())
    info = debug(page, player_id)
    pcm = kernel["pcm"]
    assert pcm == 60 * 48000
    figures = {
        "pcm_bytes": pcm,
        "kernel_sent_ratio": round((kernel["buffers"] + kernel["json"]) / pcm, 4),
        "page_received_ratio": round((info["bytesReceived"] + info["jsonBytes"]) / pcm, 4),
        "websocket_ratio": round(ws_bytes / pcm, 4),
    }
    report(capsys, "traffic_60s_reply", figures)
    assert figures["kernel_sent_ratio"] < 1.1 and figures["page_received_ratio"] < 1.1
    assert figures["websocket_ratio"] < 1.1  # everything the page got over the kernel's websocket
    assert audio_duration(notebook.cell(index).locator(".ora-final audio")) == pytest.approx(60.0, abs=0.01)


def test_a_transcript_with_markup_runs_no_script(notebook: Any, artifacts: Path) -> None:
    page = notebook.page
    page.evaluate("() => { window.__xss = 0; window.alert = () => { window.__xss += 1; }; }")
    payload = (
        '<img src=x onerror="window.__xss=(window.__xss||0)+1;alert(1)"> <script>window.__xss=9</script>'
    )
    index = notebook.run(f"%%oraudio\n{payload}")
    notebook.wait(index)
    direct = notebook.execute(
        f"px = LivePlayer(); display(px); stream_into(px, {payload!r}, X_Emulator_Seconds=1)"
    )
    direct.locator(".ora-final audio").wait_for(state="attached", timeout=30_000)
    # An injected <img src=x> would have failed to load by the time this control image has.
    page.evaluate(
        "() => new Promise((done) => { const img = new Image(); img.onerror = done; img.src = 'x?control'; })"
    )
    for cell in (notebook.cell(index), direct):
        assert "<img src=x" in cell.inner_text()  # shown as text ...
        assert cell.locator("img[src='x'], script:has-text('__xss')").count() == 0  # ... not as markup
    assert page.evaluate("() => window.__xss") == 0
    direct.screenshot(path=str(artifacts / "xss_as_text.png"))


def test_click_to_listen_when_the_browser_blocks_audio(notebook: Any, artifacts: Path) -> None:
    page = notebook.page
    # What an autoplay policy does: the context is suspended and resume() without a gesture fails.
    page.evaluate(
        """async () => {
            window.__realResume = AudioContext.prototype.resume;
            const blocked = () => Promise.reject(new DOMException("blocked", "NotAllowedError"));
            AudioContext.prototype.resume = blocked;
            window.__orAudio = window.__orAudio || { players: {}, recorders: {}, contexts: {} };
            const root = window.__orAudio;
            root.contexts[24000] = root.contexts[24000] || new AudioContext({ sampleRate: 24000 });
            await root.contexts[24000].suspend();
        }"""
    )
    before = players(page)
    index = notebook.run(
        "pb = LivePlayer(); display(pb); stream_into(pb, 'Blocked at first.', X_Emulator_Seconds=3)"
    )
    player_id = new_player(page, before)
    root = notebook.cell(index).locator(f".ora-player[data-player-id='{player_id}']")
    button = root.locator(".ora-listen")
    button.wait_for(state="visible", timeout=20_000)
    assert "Click to listen" in button.inner_text()
    notebook.cell(index).screenshot(path=str(artifacts / "click_to_listen.png"))
    # The gesture lifts the block: restore resume() as the click starts (capture runs before the button's
    # own handler), not earlier, or a chunk arriving meanwhile would resume the context by itself.
    page.evaluate(
        """() => {
            const lift = () => { AudioContext.prototype.resume = window.__realResume; };
            document.addEventListener("click", lift, { capture: true, once: true });
        }"""
    )
    button.click()  # a real click: a user gesture
    button.wait_for(state="hidden", timeout=10_000)
    state = page.evaluate("(id) => window.__orAudio.players[id].ctx.state", player_id)
    assert state == "running"
    notebook.wait(index)


def test_audio_chat_sends_a_recording_and_stop_keeps_a_playable_partial_reply(
    notebook: Any, artifacts: Path, capsys: pytest.CaptureFixture[str]
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
    report(capsys, "chat_recording", {"recorded_ms": round(take["ms"]), "emulator_heard_s": heard})

    # The conversation goes on: a spoken reply, stopped mid-stream, stays playable.
    notebook.execute("chat.model_picker.value = 'openai/gpt-4o-audio-preview'")
    prompt = "Please talk for a long while about the weather in many places."
    cell.locator(".ora-chat textarea").fill(prompt)
    before = players(page)
    cell.locator("button.jupyter-button", has_text="Send").click()
    spoken_id = new_player(page, before)
    page.wait_for_function("(id) => window.__orAudio.players[id].have >= 3", arg=spoken_id, timeout=60_000)
    cell.locator("button.jupyter-button", has_text="Stop").click()
    spoken = cell.locator(f".ora-player[data-player-id='{spoken_id}']")
    spoken.locator(".ora-incomplete").wait_for(state="visible", timeout=30_000)
    assert "cancel" in spoken.locator(".ora-incomplete").inner_text()
    final = spoken.locator(".ora-final audio")
    duration = audio_duration(final)
    kept = page.evaluate("(id) => window.__orAudio.players[id].bytes / 48000", spoken_id)
    assert 1.0 <= duration == pytest.approx(kept, abs=0.01)
    assert seek(final, duration / 2) == pytest.approx(duration / 2, abs=0.05)
    link = spoken.locator(".ora-final a.ora-download")
    assert link.get_attribute("download") == "reply.wav"
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
    report(capsys, "chat_stop", {"partial_audio_s": round(duration, 3)})


def plays(page: Any, audio: Any) -> bool:
    """Start ``audio`` playing and wait until its clock moves."""
    handle = audio.element_handle()
    handle.evaluate("(a) => { a.currentTime = 0; return a.play(); }")
    page.wait_for_function("(a) => a.currentTime > 0", arg=handle, timeout=30_000)
    handle.evaluate("(a) => a.pause()")
    return True


def wait_done(page: Any, player_id: str) -> None:
    page.wait_for_function(
        "(id) => window.__orAudio.players[id].debug.state === 'done'", arg=player_id, timeout=60_000
    )


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


def test_a_reloaded_page_gets_the_finished_reply_replayed_not_replayed_aloud(
    notebook: Any, artifacts: Path
) -> None:
    """The page's copy of a finished reply is lost on reload; the player asks the kernel again."""
    page = notebook.page
    notebook.execute(
        "pr = LivePlayer(); display(pr)\n"
        "rr = stream_into(pr, 'Kept.', X_Emulator_Seconds=1.2, X_Emulator_Realtime=0)"
    )
    player_id = notebook_value(notebook, "pr.player_id")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    page.reload(wait_until="domcontentloaded")
    root = page.locator(f".ora-player[data-player-id='{player_id}']")
    root.wait_for(timeout=60_000)
    page.locator(f".ora-player[data-player-id='{player_id}'][data-state='done']").wait_for(timeout=20_000)
    assert audio_duration(root.locator(".ora-final audio")) == pytest.approx(1.2, abs=0.01)
    info = debug(page, player_id)
    assert info["schedule"] == []  # a finished reply comes back as a file, not spoken again
    assert info["bytesReceived"] == 1.2 * 48000
    root.screenshot(path=str(artifacts / "replayed_after_reload.png"))


def test_a_player_fed_before_it_is_shown_shows_everything_once(notebook: Any, artifacts: Path) -> None:
    """What arrives before the view is rendered waits in the page; the view shows it all."""
    page = notebook.page
    notebook.execute(
        "pq = LivePlayer()\n"
        "rq = stream_into(pq, 'Queued before the view.', X_Emulator_Seconds=1.2, X_Emulator_Realtime=0)"
    )
    cell = notebook.execute("pq")
    root = cell.locator(".ora-player[data-state='done']")
    root.wait_for(timeout=30_000)
    assert "You said: Queued before the view." in root.locator(".ora-transcript").inner_text()
    assert audio_duration(root.locator(".ora-final audio")) == pytest.approx(1.2, abs=0.01)
    info = debug(page, str(root.get_attribute("data-player-id")))
    assert info["bytesReceived"] == 1.2 * 48000  # each chunk reached the page once
    root.screenshot(path=str(artifacts / "shown_after_the_stream.png"))


def test_a_saved_notebook_holds_widget_state_but_no_key(notebook: Any, lab: Any) -> None:
    """With "Save Widget State Automatically" on, the saved .ipynb has the chat's state and no key.

    Runs last: it turns widget-state saving on for the rest of the session.
    """
    page = notebook.page
    # The key is made in the kernel and never printed, so the only way into the file is a leak.
    notebook.execute(
        "import secrets\nfrom or_audio_widgets import AudioChat\n"
        "_key = '-'.join(['sk', 'or', 'v1', secrets.token_hex(24)])\n"
        "schat = AudioChat(client=OpenRouterAudio(_key, base_url=_emu.base_url))\n"
        "schat.send('hello'); assert schat.wait(60)\n"
        "schat"
    )
    command = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"
    page.evaluate(
        "(c) => window.jupyterapp.commands.isToggled(c) || window.jupyterapp.commands.execute(c)", command
    )
    page.wait_for_function("(c) => window.jupyterapp.commands.isToggled(c)", arg=command, timeout=30_000)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
    text = (lab.root / "widgets.ipynb").read_text()
    state = json.loads(text)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    classes = [c for model in state.values() for c in model["state"].get("_dom_classes", [])]
    assert "ora-chat" in classes  # the chat's state was saved ...
    assert "Bearer" not in text and "sk-or-v1" not in text and "sk-or" not in text
    leaked = notebook_value(notebook, "any(k in open('widgets.ipynb').read() for k in (_key, _key[-12:]))")
    assert leaked == "False"  # ... and the key was not
