"""The LivePlayer where the page may not start sound by itself (VS Code's notebook outputs, a page nobody has
clicked; Chromium run with --autoplay-policy=document-user-activation-required), and where the kernel cannot
hear Stop (ipykernel 6): on pages of its own, fed by a stand-in model as the kernel would feed it.

Playwright's evaluate() counts as a user gesture, so each page feeds its player from its own script and the
test reads only the DOM until its one real click.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _host_pages import open_widget_page
from playwright.sync_api import expect

from or_audio_widgets.jupyter._js import PLAYER

pytestmark = pytest.mark.browser

CHUNKS = 6
CHUNK_BYTES = 9600  # 0.2 s of 24 kHz pcm16
# Six chunks arrive with no gesture in the page; "ended" also ends the reply before anyone clicks.
FEED = """
const shown = window.showWidget("blocked");
window.__shown = { blocked: shown };
const tone = (n) => {
    const view = new DataView(new ArrayBuffer(n));
    for (let i = 0; i < n / 2; i++) view.setInt16(i * 2, Math.round(6000 * Math.sin(i / 5)), true);
    return view;
};
shown.model.deliver({ t: "text", at: 0, text: "Waiting for your click." });
const feed = (from, to) => {
    for (let seq = from; seq < to; seq++) {
        shown.model.deliver({ t: "pcm", seq, ts: Date.now() }, [tone(BYTES)]);
    }
};
feed(0, CHUNKS / 2);
window.feedRest = () => feed(CHUNKS / 2, CHUNKS);
// where the shared context's clock stood when the person clicked
const clicked = () => { window.__clickedAt = window.__orAudio.contexts[24000].currentTime; };
document.addEventListener("click", clicked, { capture: true, once: true });
window.finish = () => shown.model.deliver({ t: "finish", chunks: CHUNKS, complete: true, reason: "" });
if (ENDED) { window.feedRest(); window.finish(); }
""".replace("CHUNKS", str(CHUNKS)).replace("BYTES", str(CHUNK_BYTES))
# Right after the click: the context, what was scheduled while it waited, and where it starts.
COUNT_PLAYED = """() => {
    const ctx = window.__orAudio.contexts[24000];
    const debug = window.__orAudio.players.blocked;
    return { state: ctx.state, scheduled: debug.scheduled, firstStart: debug.schedule[0].start,
             clickedAt: window.__clickedAt };
}"""


@pytest.mark.parametrize("ended", [False, True], ids=["while-live", "after-the-reply-ended"])
def test_blocked_sound_waits_visibly_loses_nothing_and_plays_from_the_start_after_the_click(
    bare_browsers: dict[str, Any], artifacts: Path, ended: bool
) -> None:
    script = FEED.replace("ENDED", "true" if ended else "false")
    page = open_widget_page(bare_browsers["gesture"].new_context(), PLAYER, script=script)
    try:
        root = page.locator("#blocked")
        listen = root.locator(".ora-listen")
        expect(listen).to_be_visible()
        expect(root).to_have_attribute("data-sound", "blocked")
        expect(root.locator(".ora-status")).to_contain_text("sound waits for your click")
        if ended:
            expect(root).to_have_attribute("data-state", "done")
            expect(root.locator(".ora-final audio")).to_be_attached()
        root.screenshot(path=str(artifacts / f"hosts_click_to_listen_{'ended' if ended else 'live'}.png"))
        listen.click()  # the one real click: a user gesture
        expect(listen).to_be_hidden()
        before = page.evaluate(COUNT_PLAYED)
        assert before["state"] == "running"
        # nothing was lost while it waited, and the first chunk starts after the click: from the start
        assert before["scheduled"] == (CHUNKS if ended else CHUNKS // 2)
        assert before["clickedAt"] < before["firstStart"]
        if not ended:
            page.evaluate("() => { window.feedRest(); window.finish(); }")
        # every chunk plays out: its source ends (a stopped one would be let go without playing)
        page.wait_for_function("() => window.__orAudio.players.blocked.sources === 0", timeout=20_000)
        info = page.evaluate("""() => {
            const d = window.__orAudio.players.blocked, ctx = window.__orAudio.contexts[24000];
            const lastEnd = Math.max(...d.schedule.map((s) => s.start + s.duration));
            return { scheduled: d.scheduled, seconds: d.scheduledSeconds, now: ctx.currentTime,
                     underruns: d.underruns, lastEnd };
        }""")
        assert info["scheduled"] == CHUNKS and info["seconds"] == pytest.approx(CHUNKS * 0.2)
        assert info["now"] >= info["lastEnd"]  # the context's own clock passed the end of the last chunk
        assert info["underruns"] == 0
        root.screenshot(path=str(artifacts / f"hosts_listened_{'ended' if ended else 'live'}.png"))
    finally:
        page.context.close()


STOP_UNAVAILABLE = """
const shown = window.showWidget("old-kernel", {
    stoppable: false, show_stop: true, stop_note: "Stop needs ipykernel 7; use Kernel > Interrupt" });
window.__shown = { "old-kernel": shown };
shown.model.deliver({ t: "pcm", seq: 0, ts: Date.now() }, [new DataView(new ArrayBuffer(4800))]);
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_on_ipykernel_6_stop_is_shown_disabled_with_its_reason(
    bare_browsers: dict[str, Any], artifacts: Path, theme: str
) -> None:
    page = open_widget_page(bare_browsers["allowed"].new_context(), PLAYER, theme, script=STOP_UNAVAILABLE)
    try:
        root = page.locator("#old-kernel")
        stop = root.locator(".ora-stop-reply")
        expect(stop).to_be_visible()
        expect(stop).to_be_disabled()
        expect(stop).to_have_attribute("title", "Stop needs ipykernel 7; use Kernel > Interrupt")
        expect(root.locator(".ora-stop-note")).to_have_text("Stop needs ipykernel 7; use Kernel > Interrupt")
        root.screenshot(path=str(artifacts / f"hosts_stop_needs_ipykernel_7_{theme}.png"))
        # a kernel that can hear Stop after all (stoppable): the note goes, Stop works
        page.evaluate("""() => {
            const m = window.__shown["old-kernel"].model;
            m.set("stoppable", true);
        }""")
        expect(stop).to_be_enabled()
        expect(root.locator(".ora-stop-note")).to_be_hidden()
    finally:
        page.context.close()
