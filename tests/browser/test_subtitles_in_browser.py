"""Subtitles and the follow-along transcript in Chromium, on a page of their own (no JupyterLab).

reply.to_vtt() loads as a <track> (its cues, times and escaped text as the browser reads them; to_srt()
is checked with the srt library elsewhere, browsers read only WebVTT). A saved reply with timed lines,
where scripts run: the line being played is marked, and a click on a line plays from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from or_audio_widgets.core._html import render_reply
from or_audio_widgets.core._reply import AudioReply, ReplyAudio
from or_audio_widgets.core._timed import Segment
from or_audio_widgets.core._wav import pcm_to_wav

pytestmark = pytest.mark.browser

ORIGIN = "http://subtitles.test"
SEGMENTS = (Segment(0.0, 1.25, "First <i>line</i> & more"), Segment(1.5, 2.75, "Second line"),
            Segment(3.0, 3.9, "Third --> line"))


def _reply() -> AudioReply:
    return AudioReply(ReplyAudio.from_pcm(bytes(2 * 24000 * 4)), text="words", segments=SEGMENTS)


@pytest.fixture
def page(bare_browsers: dict[str, Any]) -> Iterator[Any]:
    reply = _reply()
    files = {"/": ("text/html", b'<audio id="a" controls src="/a.wav">'
                                b'<track id="t" kind="subtitles" srclang="en" src="/a.vtt"></audio>'),
             "/a.wav": ("audio/wav", pcm_to_wav(bytes(2 * 24000 * 4), 24000, 1)),
             "/a.vtt": ("text/vtt", reply.to_vtt().encode("utf-8")),
             "/saved": ("text/html", render_reply(reply).encode("utf-8"))}
    context = bare_browsers["allowed"].new_context()
    context.route(f"{ORIGIN}/**", lambda route: route.fulfill(
        status=200, content_type=files[route.request.url[len(ORIGIN):]][0],
        body=files[route.request.url[len(ORIGIN):]][1]))
    made = context.new_page()
    try:
        yield made
    finally:
        context.close()


def test_the_vtt_loads_as_a_track_with_its_cues(page: Any) -> None:
    page.goto(f"{ORIGIN}/")
    cues = page.evaluate("""() => new Promise((done, fail) => {
        const track = document.getElementById("t");
        track.track.mode = "hidden";
        const read = () => done([track.readyState, [...track.track.cues].map(
            (c) => [c.startTime, c.endTime, c.text])]);
        if (track.readyState === 2) read(); else track.addEventListener("load", read);
        track.addEventListener("error", () => fail(new Error("the track did not load")));
    })""")
    assert cues[0] == 2  # HTMLTrackElement.LOADED
    assert cues[1] == [[0.0, 1.25, "First &lt;i&gt;line&lt;/i&gt; &amp; more"], [1.5, 2.75, "Second line"],
                       [3.0, 3.9, "Third -&gt; line"]]
    # the browser reads the escapes back as the words the model said
    shown = page.evaluate("""() => [...document.getElementById("t").track.cues].map(
        (c) => c.getCueAsHTML().textContent)""")
    assert shown == ["First <i>line</i> & more", "Second line", "Third -> line"]


def seek_by_click(page: Any, line: str, index: int = 0) -> float:
    """Click a timed line; the position its player was sent to (read as the seek happens: the player
    then plays on, so its position a moment later is a little further)."""
    page.evaluate("""([sel, i]) => { const a = document.querySelectorAll(sel)[i]; window.__orSeek = null;
        a.addEventListener("seeking", () => { window.__orSeek = a.currentTime; }, { once: true }); }""",
                  ["audio", index])
    page.locator(line).click()
    page.wait_for_function("() => window.__orSeek !== null")
    return float(page.evaluate("() => window.__orSeek"))


def test_the_saved_transcript_follows_the_audio_and_seeks(page: Any) -> None:
    page.goto(f"{ORIGIN}/saved")
    page.wait_for_function("() => document.querySelector('audio').orAudioFollow === 1")
    marked = page.evaluate("""() => {
        const a = document.querySelector("audio");
        Object.defineProperty(a, "currentTime", { value: 1.6, writable: true, configurable: true });
        a.dispatchEvent(new Event("timeupdate"));
        return [...document.querySelectorAll("li[aria-current]")].map((l) => l.textContent);
    }""")
    assert marked == ["0:01Second line"]
    page.locator("li[data-start='3.000']").click()  # currentTime is a plain property here: it stays put
    assert page.evaluate("() => document.querySelector('audio').currentTime") == 3.0


def test_the_view_ties_itself_when_inserted_as_a_notebook_inserts_outputs(page: Any) -> None:
    """JupyterLab places a trusted output's HTML with innerHTML, not by parsing a page: the open
    <details> still fires its toggle and ties the lines to the player."""
    page.goto(f"{ORIGIN}/")
    html = render_reply(_reply())
    page.evaluate("""(html) => { const box = document.createElement("div"); box.innerHTML = html;
                                 document.body.append(box); }""", html)
    page.wait_for_function("() => document.querySelectorAll('audio')[1].orAudioFollow === 1")
    assert seek_by_click(page, "li[data-start='1.500']", index=1) == 1.5
