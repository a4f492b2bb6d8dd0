"""The LivePlayer's front end lets go: on a bare page in Chromium, players are made, fed, shown, stopped and
closed as JupyterLab would, and what the page still holds is read from outside the player's code (listeners,
blob URLs, timers) and from its own count of audio bytes. Also Stop, mute and volume, message by message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _bare_page import tracked_page

from or_audio_widgets.jupyter._js import PLAYER

pytestmark = pytest.mark.browser

CHUNK = 9600  # bytes: 200 ms of 24 kHz pcm16

# Make a player, show it, feed it a whole reply; returns { model, dispose, unrender, root, debug }.
PLAY = """window.playReply = (id, chunks, extra) => {
    const model = window.fakeModel(id, extra), widget = window.__widget;
    const dispose = widget.initialize({ model });
    const root = document.createElement("div");
    document.body.append(root);
    const unrender = widget.render({ model, el: root });
    for (let seq = 0; seq < chunks; seq++) model.deliver({ t: "pcm", seq, ts: Date.now() }, [chunk(CHUNK)]);
    model.deliver({ t: "text", at: 0, text: "A reply." });
    model.deliver({ t: "finish", chunks, complete: true, reason: null, duration: chunks * 0.2 });
    return { model, dispose, unrender, root, debug: window.__orAudio.players[id] };
};""".replace("CHUNK", str(CHUNK))

# Until nothing is playing any more (the page lets scheduled audio finish), then what the page holds.
SETTLED = """async () => {
    const deadline = Date.now() + 20000;
    while (Object.values(window.__orAudio.players).some((d) => d.sources > 0) && Date.now() < deadline) {
        await new Promise((ok) => requestAnimationFrame(ok));
    }
    return window.__held();
}"""


@pytest.fixture
def page(bare_browsers: dict[str, Any]) -> Iterator[Any]:
    with tracked_page(bare_browsers["allowed"], PLAYER, PLAY) as page:
        yield page


def test_closed_players_leave_no_audio_listener_url_or_timer_behind(page: Any) -> None:
    during = page.evaluate(
        """() => {
            window.__replies = [];
            for (let i = 0; i < 10; i++) window.__replies.push(window.playReply(`r${i}`, 3));
            return { held: window.__held(), audio: window.__replies[0].root.querySelector("audio").src };
        }"""
    )
    assert during["held"]["play"] == 10 and during["held"]["statechange"] == 10
    assert during["held"]["urls"] == 10 and during["held"]["timers"] == 10  # one file, one orphan timer each
    assert during["held"]["bytes"] >= 10 * 3 * CHUNK and during["audio"].startswith("blob:")
    closed = page.evaluate(
        """() => window.__replies.map(({ model, dispose, unrender }) => {
            unrender();  // the view goes (output cleared), then the model (closed from Python)
            dispose();
            return model.listeners();
        })"""
    )
    assert closed == [0] * 10  # every model listener removed
    held = page.evaluate(SETTLED)
    assert held == {"statechange": 0, "play": 0, "urls": 0, "timers": 0, "bytes": 0}
    record = page.evaluate("() => window.__orAudio.players.r0")
    assert record["state"] == "done" and record["released"] and record["held"] == 0
    assert record["scheduled"] == 3  # the figures outlive the audio


def test_a_view_that_goes_away_lets_go_and_a_new_view_asks_for_everything_again(page: Any) -> None:
    result = page.evaluate(
        f"""async () => {{
            const r = window.playReply("again", 3);
            const before = window.__held();
            r.unrender();  // the output was cleared; the model lives on in the kernel
            const root = document.createElement("div");
            document.body.append(root);
            r.unrender = window.__widget.render({{ model: r.model, el: root }});
            const asked = r.model.sent.slice(-1)[0];
            // What Python answers: its counts, then what the page asks for.
            r.model.deliver({{ t: "state", chunks: 3, text_len: 8, finished: true }});
            const need = r.model.sent.slice(-1)[0];
            const three = [chunk({CHUNK}), chunk({CHUNK}), chunk({CHUNK})];
            r.model.deliver({{ t: "pcm", seq: 0, replay: true }}, three);
            r.model.deliver({{ t: "text", at: 0, text: "A reply." }});
            r.model.deliver({{ t: "finish", chunks: 3, complete: true, reason: null, duration: 0.6 }});
            const audio = root.querySelector(".ora-final audio");
            await new Promise((ok, fail) => {{ audio.onloadedmetadata = ok; audio.onerror = fail; }});
            return {{ before, asked, need, duration: audio.duration, text: root.textContent,
                     scheduled: r.debug.scheduled }};
        }}"""
    )
    assert result["before"]["urls"] == 1 and result["before"]["bytes"] > 0
    assert result["asked"] == {"t": "ready", "have": 0, "text_len": 0}
    assert result["need"] == {"t": "need", "from": 0, "text_from": 0}
    assert result["duration"] == pytest.approx(0.6, abs=0.001)
    assert "A reply." in result["text"]
    assert result["scheduled"] == 3  # the replay became the file; it was not played a second time
    held = page.evaluate(SETTLED)
    assert held["urls"] == 1 and held["bytes"] == 44 + 3 * CHUNK  # one copy: the WAV file, chunks dropped


def test_the_debug_records_stay_bounded(page: Any) -> None:
    result = page.evaluate(
        """() => {
            for (let i = 0; i < 80; i++) window.__widget.initialize({ model: window.fakeModel(`b${i}`) })();
            const model = window.fakeModel("long");
            const dispose = window.__widget.initialize({ model });
            for (let seq = 0; seq < 300; seq++) model.deliver({ t: "pcm", seq }, [chunk(480)]);
            const d = window.__orAudio.players.long;
            const out = { players: Object.keys(window.__orAudio.players).length, schedule: d.schedule.length,
                          scheduled: d.scheduled, first: d.schedule[0].seq, last: d.schedule.at(-1).seq };
            dispose();
            return out;
        }"""
    )
    assert result == {"players": 64, "schedule": 256, "scheduled": 300, "first": 44, "last": 299}


def test_stop_silences_at_once_tells_the_kernel_once_and_ends_calmly(page: Any) -> None:
    result = page.evaluate(
        f"""() => {{
            const model = window.fakeModel("stop", {{ stoppable: false }});
            window.__widget.initialize({{ model }});
            const root = document.createElement("div");
            document.body.append(root);
            window.__widget.render({{ model, el: root }});
            const stop = root.querySelector(".ora-stop-reply");
            const hiddenBefore = stop.hidden;
            model.set("stoppable", true);  // Python's on_stop() was given a callback
            for (let seq = 0; seq < 5; seq++) model.deliver({{ t: "pcm", seq }}, [chunk({CHUNK})]);
            const debug = window.__orAudio.players.stop;
            const playing = debug.sources;
            stop.click();
            stop.click();  // pressed twice
            const after = {{ sources: debug.sources, disabled: stop.disabled, label: stop.textContent }};
            model.deliver({{ t: "pcm", seq: 5 }}, [chunk({CHUNK})]);  // still arriving: not played
            model.deliver({{ t: "finish", chunks: 6, complete: false, reason: "cancelled", stopped: true }});
            stop.click();  // after the end
            return {{ hiddenBefore, shown: !stop.hidden || null, playing, after, sent: model.sent,
                     sourcesAtEnd: debug.sources, state: root.dataset.state,
                     note: root.querySelector(".ora-stopped").textContent,
                     noteHidden: root.querySelector(".ora-stopped").hidden,
                     warningHidden: root.querySelector(".ora-incomplete").hidden,
                     controlsHidden: root.querySelector(".ora-live-controls").hidden }};
        }}"""
    )
    assert result["hiddenBefore"] is True and result["playing"] == 5
    assert result["after"] == {"sources": 0, "disabled": True, "label": "Stopping…"}
    assert [m for m in result["sent"] if m["t"] == "stop"] == [{"t": "stop"}]
    assert result["sourcesAtEnd"] == 0 and result["state"] == "stopped"
    assert "Stopped" in result["note"] and not result["noteHidden"] and result["warningHidden"]
    assert result["controlsHidden"]


def test_mute_and_volume_set_the_players_gain_and_the_file_keeps_the_level_unmuted(page: Any) -> None:
    result = page.evaluate(
        f"""async () => {{
            const model = window.fakeModel("volume");
            window.__widget.initialize({{ model }});
            const root = document.createElement("div");
            document.body.append(root);
            window.__widget.render({{ model, el: root }});
            model.deliver({{ t: "pcm", seq: 0 }}, [chunk({CHUNK})]);
            const gain = () => window.__orAudio.players.volume.gain;
            const seen = [gain()];
            const slider = root.querySelector(".ora-volume");
            slider.value = "0.4";
            slider.dispatchEvent(new Event("input"));
            seen.push(gain());
            const mute = root.querySelector(".ora-mute");
            mute.click();
            seen.push(gain(), mute.getAttribute("aria-pressed"), mute.textContent);
            model.deliver({{ t: "finish", chunks: 1, complete: true, reason: null, duration: 0.2 }});
            const audio = root.querySelector(".ora-final audio");
            return {{ seen, volume: audio.volume, muted: audio.muted }};
        }}"""
    )
    assert result["seen"][0] == 1
    assert result["seen"][1] == pytest.approx(0.4)
    assert result["seen"][2:] == [0, "true", "Unmute"]
    # the level chosen carries over; Mute silenced the live voice only: the saved player is not muted
    assert result["volume"] == pytest.approx(0.4) and result["muted"] is False
