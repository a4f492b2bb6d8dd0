"""The Recorder's front end on a bare page in Chromium: the microphone is released on every path (a view
that goes away during the permission prompt or while recording, a MediaRecorder that refuses the stream),
and the take's clock, buttons and file behave. The "microphone" is a Web Audio stream handed to a stand-in
getUserMedia, so the test decides when permission is answered; its tracks show whether it was closed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _bare_page import tracked_page

from or_audio_widgets.jupyter._js import RECORDER

pytestmark = pytest.mark.browser

# window.mic(): a stand-in microphone; getUserMedia answers when the test calls window.answer().
MIC = """
window.mic = () => {
    const ctx = new AudioContext();
    const tone = ctx.createOscillator();
    const out = ctx.createMediaStreamDestination();
    tone.connect(out);
    tone.start();
    window.__tracks = out.stream.getTracks();
    return out.stream;
};
// about:blank has no mediaDevices (not a secure context): the stand-in is the whole of it.
Object.defineProperty(navigator, "mediaDevices", { value: {}, configurable: true });
navigator.mediaDevices.getUserMedia = () => new Promise((ok) => { window.answer = () => ok(window.mic()); });
window.showRecorder = (id) => {
    const model = window.fakeModel(id, { max_seconds: 60 });
    const root = document.createElement("div");
    document.body.append(root);
    const unrender = window.__widget.render({ model, el: root });
    return { model, root, unrender, debug: window.__orAudio.recorders[id] };
};
window.tick = (ms) => new Promise((ok) => setTimeout(ok, ms));
"""


@pytest.fixture
def page(bare_browsers: dict[str, Any]) -> Iterator[Any]:
    with tracked_page(bare_browsers["allowed"], RECORDER, MIC) as page:
        yield page


def test_a_view_gone_during_the_permission_prompt_closes_the_microphone_it_then_gets(page: Any) -> None:
    result = page.evaluate(
        """async () => {
            const r = window.showRecorder("prompt");
            r.root.querySelector(".ora-record").click();
            await window.tick(50);
            const waiting = r.debug.state;
            r.unrender();  // the output is cleared while the browser asks for permission
            window.answer();
            await window.tick(100);
            return { waiting, tracks: window.__tracks.map((t) => t.readyState), sent: r.model.sent,
                     mic: r.debug.micOpen, held: window.__held() };
        }"""
    )
    assert result["waiting"] == "opening"
    assert result["tracks"] == ["ended"] and result["mic"] is False and result["sent"] == []
    assert result["held"]["timers"] == 0 and result["held"]["urls"] == 0


def test_a_media_recorder_that_refuses_the_stream_closes_the_microphone_and_says_so(page: Any) -> None:
    result = page.evaluate(
        """async () => {
            window.MediaRecorder = class extends MediaRecorder {
                constructor() { throw new DOMException("no encoder for this stream", "NotSupportedError"); }
            };
            const r = window.showRecorder("refused");
            r.root.querySelector(".ora-record").click();
            window.answer();
            await window.tick(100);
            return { tracks: window.__tracks.map((t) => t.readyState), state: r.root.dataset.state,
                     message: r.root.querySelector(".ora-message").textContent,
                     recordEnabled: !r.root.querySelector(".ora-record").disabled, held: window.__held() };
        }"""
    )
    assert result["tracks"] == ["ended"] and result["state"] == "error"
    assert "NotSupportedError" in result["message"] and "Upload an audio file" in result["message"]
    assert result["recordEnabled"] and result["held"]["timers"] == 0


def test_a_view_gone_while_recording_closes_everything_and_sends_nothing(page: Any) -> None:
    result = page.evaluate(
        """async () => {
            const r = window.showRecorder("recording");
            r.root.querySelector(".ora-record").click();
            window.answer();
            await window.tick(600);
            const during = { state: r.debug.state, mic: r.debug.micOpen, timers: window.__held().timers };
            r.unrender();
            await window.tick(300);  // the recorder's last data and "stop" event come after
            return { during, tracks: window.__tracks.map((t) => t.readyState), sent: r.model.sent,
                     mic: r.debug.micOpen, held: window.__held() };
        }"""
    )
    assert result["during"] == {"state": "recording", "mic": True, "timers": 2}  # meter and time limit
    assert result["tracks"] == ["ended"] and result["mic"] is False and result["sent"] == []
    assert result["held"] == {"statechange": 0, "play": 0, "urls": 0, "timers": 0, "bytes": 0}


def test_a_take_shows_its_clock_and_plain_disabled_states_then_goes_to_python(page: Any) -> None:
    result = page.evaluate(
        """async () => {
            const r = window.showRecorder("take");
            const record = r.root.querySelector(".ora-record"), stop = r.root.querySelector(".ora-stop");
            const style = (b) => { const s = getComputedStyle(b); return [s.opacity, s.cursor]; };
            const idle = { stop: stop.disabled, stopStyle: style(stop), recordStyle: style(record) };
            record.click();
            window.answer();
            const clock = r.root.querySelector(".ora-timer");
            while (!clock.textContent.startsWith("0:01")) await window.tick(50);
            const recording = { record: record.disabled, stop: stop.disabled, clock: clock.textContent,
                                labels: [record.textContent, stop.textContent] };
            stop.click();
            while (!r.model.sent.length) await window.tick(50);
            const sent = { msg: r.model.sent[0], bytes: r.model.buffers[0][0].byteLength,
                           tracks: window.__tracks.map((t) => t.readyState), held: window.__held() };
            r.model.deliver({ t: "cleared" });
            return { idle, recording, sent, cleared: window.__held() };
        }"""
    )
    assert result["idle"]["stop"] is True
    assert result["idle"]["stopStyle"] == ["0.45", "not-allowed"]  # disabled looks disabled
    assert result["idle"]["recordStyle"] == ["1", "pointer"]
    recording = result["recording"]
    assert recording["record"] is True and recording["stop"] is False
    assert recording["clock"] == "0:01 / 1:00"  # the running clock, and the limit
    assert recording["labels"] == ["● Record", "■ Stop recording"]
    sent = result["sent"]
    assert sent["msg"]["t"] == "recording" and sent["msg"]["ms"] >= 1000 and sent["bytes"] > 0
    assert sent["tracks"] == ["ended"]  # the microphone is off as soon as the take ends
    assert sent["held"]["urls"] == 1 and sent["held"]["bytes"] == sent["bytes"]  # the take, to play back
    assert result["cleared"]["urls"] == 0 and result["cleared"]["bytes"] == 0
