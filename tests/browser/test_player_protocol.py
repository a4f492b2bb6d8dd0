"""The LivePlayer's front end on a bare page in Chromium, driven message by message through a stand-in for
the widget model.

JupyterLab decides when messages arrive; here the test does, so the cases that are rare there (a chunk lost
before the page listened, a gap in the transcript, a reply finished before the view loaded) are exact.
The Web Audio API is the browser's own.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _bare_page import FAKE_MODEL, open_bare_page
from playwright.sync_api import expect

from or_audio_widgets.jupyter._js import CSS, PLAYER, module_source

pytestmark = pytest.mark.browser

PLAYER_JS = module_source(PLAYER)  # the module anywidget is given
CHUNK = 9600  # bytes: 200 ms of 24 kHz pcm16

def open_page(browser: Any) -> Any:
    return open_bare_page(browser, PLAYER)


@pytest.fixture
def page(bare_browsers: dict[str, Any]) -> Iterator[Any]:
    """A blank page in a browser that lets pages play sound without a gesture."""
    page = open_page(bare_browsers["allowed"])
    try:
        yield page
    finally:
        page.close()


def run(page: Any, body: str) -> Any:
    """Run ``body`` (JS statements with ``model``, ``player``, ``dispose`` (the model's cleanup) and
    ``debug`` (its debug record) in scope) on a fresh player."""
    return page.evaluate(
        f"""async (id) => {{
            const model = window.fakeModel(id), player = window.__widget;
            const dispose = player.initialize({{ model }});
            const debug = window.__orAudio.players[id];
            {body}
        }}""",
        f"p{abs(hash(body))}",
    )


def test_chunks_lost_before_the_page_listened_are_replayed_and_played_in_order(page: Any) -> None:
    result = run(
        page,
        f"""
        model.deliver({{ t: "pcm", seq: 1, ts: Date.now() }}, [chunk({CHUNK})]);  // chunk 0 never came
        const before = debug.schedule.length;
        model.deliver({{ t: "state", chunks: 2, text_len: 0, finished: false }});
        const asked = model.sent[model.sent.length - 1];
        model.deliver({{ t: "pcm", seq: 0, replay: true }}, [chunk({CHUNK}), chunk({CHUNK})]);
        model.deliver({{ t: "pcm", seq: 2, ts: Date.now() }}, [chunk({CHUNK})]);
        return {{ before, asked, schedule: debug.schedule }};
        """,
    )
    assert result["before"] == 0  # nothing plays out of order
    assert result["asked"] == {"t": "need", "from": 0, "text_from": 0}
    schedule = result["schedule"]
    assert [entry["seq"] for entry in schedule] == [0, 1, 2]
    for a, b in itertools.pairwise(schedule):
        assert b["start"] == pytest.approx(a["start"] + a["duration"], abs=1e-9)
    assert all(entry["duration"] == pytest.approx(0.2) for entry in schedule)


def test_a_reply_finished_before_the_view_loaded_becomes_a_file_not_a_voice(page: Any) -> None:
    result = run(
        page,
        f"""
        model.deliver({{ t: "state", chunks: 2, text_len: 5, finished: true }});
        model.deliver({{ t: "pcm", seq: 0, replay: true }}, [chunk({CHUNK}), chunk({CHUNK})]);
        model.deliver({{ t: "text", at: 0, text: "Done." }});
        model.deliver({{ t: "finish", chunks: 2, complete: true, reason: null, duration: 0.4 }});
        const root = document.createElement("div");
        document.body.append(root);
        player.render({{ model, el: root }});
        const audio = root.querySelector(".ora-final audio");
        await new Promise((ok, fail) => {{ audio.onloadedmetadata = ok; audio.onerror = fail; }});
        return {{ schedule: debug.schedule, duration: audio.duration, state: root.dataset.state,
                 text: root.querySelector(".ora-transcript").textContent }};
        """,
    )
    assert result["schedule"] == []
    assert result["duration"] == pytest.approx(0.4, abs=0.001)
    assert result["state"] == "done" and result["text"] == "Done."


def test_transcript_deltas_drop_overlaps_ask_for_gaps_and_stay_text(page: Any) -> None:
    result = run(
        page,
        """
        const root = document.createElement("div");
        document.body.append(root);
        player.render({ model, el: root });
        model.deliver({ t: "text", at: 0, text: "Hello" });
        model.deliver({ t: "text", at: 3, text: "lo <img src=x onerror=window.__xss=1>" });  // overlaps
        model.deliver({ t: "text", at: 0, text: "Hel" });  // a duplicate
        const sentBefore = model.sent.length;
        model.deliver({ t: "text", at: 99, text: "later" });  // a gap
        return { text: root.querySelector(".ora-transcript").textContent, asked: model.sent.slice(sentBefore),
                 images: root.querySelectorAll("img").length };
        """,
    )
    assert result["text"] == "Hello <img src=x onerror=window.__xss=1>"
    assert result["images"] == 0
    assert result["asked"] == [{"t": "need", "from": 0, "text_from": len(result["text"])}]


def test_a_browser_that_waits_for_a_gesture_gets_a_click_to_listen_button(
    bare_browsers: dict[str, Any], artifacts: Path
) -> None:
    """Chromium's own autoplay rule (no flag lifting it): the audio waits, and the button says so.

    Playwright's evaluate() counts as a user gesture, so the page runs the player from its own script and
    writes what it sees into #result; the only gesture is the click on the button.
    """
    page = bare_browsers["gesture"].new_page()
    page.set_default_timeout(60_000)
    html = GESTURE_PAGE.replace("CSS", CSS.read_text())
    html = html.replace("FAKE_MODEL", FAKE_MODEL).replace("SOURCE", json.dumps(PLAYER_JS))
    page.route("http://player.test/**", lambda route: route.fulfill(body=html, content_type="text/html"))
    try:
        page.goto("http://player.test/")
        result = page.locator("#result")
        expect(result).not_to_be_empty()
        assert json.loads(result.text_content() or "") == {"ctx": "suspended", "button": True, "sources": 2}
        button = page.locator("#player .ora-listen")
        assert "Click to listen" in button.inner_text()
        page.locator("#player").screenshot(path=str(artifacts / "click_to_listen_browser_policy.png"))
        button.click()  # a real click: the gesture the browser waits for
        expect(result).to_have_text(re.compile('"ctx":"running","button":false'))
    finally:
        page.close()


GESTURE_PAGE = """<!doctype html>
<html><head><style>CSS</style></head>
<body><div id="player"></div><pre id="result"></pre>
<script type="module">
FAKE_MODEL
const url = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
const player = (await import(url)).default;
const model = window.fakeModel("gesture");
const root = document.getElementById("player");
player.initialize({ model });
player.render({ model, el: root });
model.deliver({ t: "text", at: 0, text: "Waiting for you." });
model.deliver({ t: "pcm", seq: 0, ts: Date.now() }, [window.chunk(9600)]);
model.deliver({ t: "pcm", seq: 1, ts: Date.now() }, [window.chunk(9600)]);
const debug = window.__orAudio.players.gesture;
const ctx = window.__orAudio.contexts[24000];
const record = () => {
    const button = root.querySelector(".ora-listen");
    const seen = { ctx: ctx.state, button: !button.hidden, sources: debug.sources };
    document.getElementById("result").textContent = JSON.stringify(seen);
};
ctx.addEventListener("statechange", () => setTimeout(record, 0));
record();
</script></body></html>
"""
