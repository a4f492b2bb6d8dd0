"""The Recorder where notebooks really run, on pages of its own in Chromium: inside a frame whose host does
not lend it the microphone (VS Code's notebook outputs), in a browser that denies every permission prompt,
where the prompt never appears, where only a click may ask (Colab), where MediaRecorder offers only mp4
(Safari's reliable format) or the page is WebKit's, and where the microphone goes away mid-take or is
allowed after a refusal. Each time the person can still make the turn: from a file, in the same place.

Screenshots (light and dark) go to test-artifacts/hosts_*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _client_helpers import make_wav
from _host_pages import open_framed, open_widget_page
from conftest import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import expect

from or_audio_widgets import prepare_audio
from or_audio_widgets.jupyter._js import RECORDER
from or_audio_widgets.jupyter.widgets._recorder import Recorder

pytestmark = pytest.mark.browser

FAKE_DEVICE = ["--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]
# What a frame in VS Code's notebook output is lent: not the microphone.
NO_MICROPHONE = "autoplay; clipboard-read; clipboard-write"


@pytest.fixture(scope="module")
def chromiums(playwright: Any) -> Iterator[dict[str, Any]]:
    """"asks": a fake microphone whose prompts are answered yes; "denies": every permission prompt is
    answered no, as a person who refuses (or a host that refuses for them) does."""
    flags = {"asks": ["--use-fake-ui-for-media-stream"], "denies": ["--deny-permission-prompts"]}
    opened = {
        name: playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=[*CHROMIUM_ARGS, *FAKE_DEVICE, *extra])
        for name, extra in flags.items()
    }
    try:
        yield opened
    finally:
        for browser in opened.values():
            browser.close()


def sent(frame: Any, recorder_id: str, at_least: int = 0) -> dict[str, Any]:
    """What the recorder sent to the kernel (once it has sent ``at_least`` messages: a take goes after its
    bytes are read, a moment after the page says "sending"): its messages and their buffers' sizes."""
    enough = "([id, n]) => window.__shown[id].model.sent.length >= n"
    frame.wait_for_function(enough, arg=[recorder_id, at_least])
    return dict(frame.evaluate(
        """(id) => {
            const r = window.__shown[id];
            return { msgs: r.model.sent, sizes: r.model.buffers.map((b) => b.map((x) => x.byteLength)) };
        }""",
        recorder_id,
    ))


SHOW_RECORDER = """(id) => {
    window.__shown = window.__shown || {};
    window.__shown[id] = window.showWidget(id, { max_seconds: 60 });
    return window.__orAudio.recorders[id].upload;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_in_a_frame_without_the_microphone_the_turn_comes_from_a_file(
    chromiums: dict[str, Any], artifacts: Path, tmp_path: Path, theme: str
) -> None:
    page, frame = open_framed(chromiums["asks"].new_context(), RECORDER, NO_MICROPHONE, theme)
    try:
        reason = frame.evaluate(SHOW_RECORDER, "framed")
        root = frame.locator("#framed")
        # offered at once, before any click: the host's policy is known to the page
        assert reason is not None and "does not let widgets use the microphone" in reason
        expect(root.locator(".ora-upload")).to_be_visible()
        expect(root.locator(".ora-upload-why")).to_contain_text("Upload a recording instead")
        expect(root.locator(".ora-record")).to_be_disabled()
        page.locator("#output").screenshot(path=str(artifacts / f"hosts_frame_no_microphone_{theme}.png"))

        wav = tmp_path / "hello.wav"
        wav.write_bytes(make_wav())
        root.locator("input[type=file]").set_input_files(str(wav))
        expect(root).to_have_attribute("data-state", "sending")
        out = sent(frame, "framed", 1)
        assert out["msgs"] == [{"t": "recording", "mime": "audio/wav", "ms": 0, "name": "hello.wav"}]
        assert out["sizes"] == [[wav.stat().st_size]]
        # the kernel takes it as it takes a recording (the real Python side, fed the same bytes)
        recorder = Recorder()
        recorder.send = lambda *_a, **_k: None  # type: ignore[method-assign]
        prepared = recorder.take(wav.read_bytes(), "audio/wav", "hello.wav")
        assert prepared.source_name == "uploaded file hello.wav" and prepared.duration == pytest.approx(1.0)
        frame.evaluate("""() => window.__shown.framed.model.deliver(
            { t: "prepared", format: "wav", duration: 1.0, size: 32044 })""")
        expect(root.locator(".ora-status")).to_have_text("Uploaded 1.0 s · wav, ready to send")
        expect(root.locator("audio")).to_be_visible()  # the file can be heard back, as a take can
        page.locator("#output").screenshot(path=str(artifacts / f"hosts_frame_uploaded_{theme}.png"))
    finally:
        page.context.close()


def test_a_file_that_is_not_audio_is_refused_before_anything_is_sent_and_a_drop_is_a_turn(
    chromiums: dict[str, Any], tmp_path: Path
) -> None:
    page, frame = open_framed(chromiums["asks"].new_context(), RECORDER, NO_MICROPHONE)
    try:
        frame.evaluate(SHOW_RECORDER, "files")
        root = frame.locator("#files")
        notes = tmp_path / "notes.txt"
        notes.write_text("not a recording")
        root.locator("input[type=file]").set_input_files(str(notes))
        expect(root.locator(".ora-message")).to_contain_text("notes.txt is not an audio file (text/plain)")
        assert sent(frame, "files")["msgs"] == []
        # a file dropped on the recorder, as from the desktop
        dropped = frame.evaluate(
            """async (bytes) => {
                const file = new File([new Uint8Array(bytes)], "dropped.wav", { type: "audio/wav" });
                const data = new DataTransfer();
                data.items.add(file);
                const root = document.getElementById("files");
                const how = { dataTransfer: data, bubbles: true, cancelable: true };
                root.dispatchEvent(new DragEvent("dragover", how));
                const over = root.dataset.drop;
                const event = new DragEvent("drop", how);
                root.dispatchEvent(event);
                await window.tick(100);
                return { over, taken: event.defaultPrevented };
            }""",
            list(make_wav(0.5)),
        )
        assert dropped == {"over": "over", "taken": True}  # the browser does not open the file itself
        out = sent(frame, "files", 1)
        assert out["msgs"] == [{"t": "recording", "mime": "audio/wav", "ms": 0, "name": "dropped.wav"}]
        assert out["sizes"] == [[len(make_wav(0.5))]]
    finally:
        page.context.close()


def test_hands_free_in_a_frame_without_the_microphone_says_it_cannot_listen_here(
    chromiums: dict[str, Any], artifacts: Path
) -> None:
    page, frame = open_framed(chromiums["asks"].new_context(), RECORDER, NO_MICROPHONE)
    try:
        frame.evaluate(SHOW_RECORDER, "hf")
        frame.evaluate("() => window.__shown.hf.model.set('hands_free', true)")
        root = frame.locator("#hf")
        expect(root.locator(".ora-message")).to_contain_text("Hands-free cannot listen here")
        expect(root.locator(".ora-message")).to_contain_text("does not let widgets use the microphone")
        expect(root.locator(".ora-upload")).to_be_visible()
        msgs = sent(frame, "hf")["msgs"]
        assert [m["t"] for m in msgs] == ["hands_free_off"]  # the kernel's toggle goes off
        assert msgs[0]["reason"].startswith("Hands-free cannot listen here")
        assert frame.evaluate("() => window.__orAudio.recorders.hf.micOpen") is False
        page.locator("#output").screenshot(path=str(artifacts / "hosts_frame_hands_free.png"))
    finally:
        page.context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_browser_that_denies_the_prompt_gets_the_reason_and_the_upload(
    chromiums: dict[str, Any], artifacts: Path, tmp_path: Path, theme: str
) -> None:
    page = open_widget_page(chromiums["denies"].new_context(), RECORDER, theme)
    try:
        page.evaluate(SHOW_RECORDER, "denied")
        root = page.locator("#denied")
        root.locator(".ora-record").click()
        expect(root.locator(".ora-message")).to_contain_text("Microphone permission was refused")
        expect(root.locator(".ora-upload")).to_be_visible()
        expect(root.locator(".ora-record")).to_be_enabled()  # the person may allow it and try again
        root.screenshot(path=str(artifacts / f"hosts_denied_{theme}.png"))
        wav = tmp_path / "turn.wav"
        wav.write_bytes(make_wav())
        root.locator("input[type=file]").set_input_files(str(wav))
        expect(root).to_have_attribute("data-state", "sending")
        assert sent(page, "denied", 1)["msgs"][0]["name"] == "turn.wav"
    finally:
        page.context.close()


# A stand-in microphone the test answers (window.answer(n): the n-th request), and a stand-in permission.
STAND_IN = """
window.__asks = [];
window.mic = () => {
    const ctx = new AudioContext();
    const tone = ctx.createOscillator();
    const out = ctx.createMediaStreamDestination();
    tone.connect(out);
    tone.start();
    return out.stream;
};
navigator.mediaDevices.getUserMedia = () => new Promise((ok) => {
    const stream = window.mic();
    window.__asks.push({ stream, answer: () => ok(stream) });
});
window.answer = (n) => window.__asks[n].answer();
window.tracks = (n) => window.__asks[n].stream.getTracks().map((t) => t.readyState);
"""


def test_a_prompt_that_never_appears_gets_a_hint_and_record_asks_again(chromiums: dict[str, Any]) -> None:
    page = open_widget_page(chromiums["asks"].new_context(), RECORDER)
    try:
        page.add_script_tag(content=STAND_IN)
        page.evaluate(SHOW_RECORDER, "hint")
        root = page.locator("#hint")
        root.locator(".ora-record").click()
        expect(root).to_have_attribute("data-state", "opening")
        expect(root.locator(".ora-record")).to_be_disabled()
        # nothing answers: after a few seconds the hint, and Record can ask again
        expect(root.locator(".ora-status")).to_contain_text("No permission prompt?", timeout=15_000)
        expect(root.locator(".ora-record")).to_be_enabled()
        root.locator(".ora-record").click()
        page.evaluate("() => window.answer(1)")
        expect(root).to_have_attribute("data-state", "recording")
        page.evaluate("() => window.answer(0)")  # the first prompt's late answer is closed at once
        page.wait_for_function("() => window.tracks(0).every((s) => s === 'ended')")
        assert page.evaluate("() => window.tracks(1)") == ["live"]
        assert page.evaluate("() => window.__asks.length") == 2
    finally:
        page.context.close()


def test_a_microphone_lost_mid_take_keeps_the_take_and_says_so(chromiums: dict[str, Any]) -> None:
    page = open_widget_page(chromiums["asks"].new_context(), RECORDER)
    try:
        page.add_script_tag(content=STAND_IN)
        page.evaluate(SHOW_RECORDER, "lost")
        root = page.locator("#lost")
        root.locator(".ora-record").click()
        page.evaluate("() => window.answer(0)")
        expect(root).to_have_attribute("data-state", "recording")
        page.wait_for_timeout(1200)  # the length of the take, not a synchronisation
        page.evaluate("""() => {  // unplugged: the browser ends the track and says so
            for (const t of window.__asks[0].stream.getTracks()) {
                t.stop();
                t.dispatchEvent(new Event("ended"));
            }
        }""")
        expect(root).to_have_attribute("data-state", "sending")
        expect(root.locator(".ora-message")).to_contain_text("what was recorded until then is kept")
        out = sent(page, "lost", 1)
        assert out["msgs"][0]["t"] == "recording" and out["msgs"][0]["ms"] >= 1000 and out["sizes"][0][0] > 0
        assert page.evaluate("() => window.__orAudio.recorders.lost.micOpen") is False
    finally:
        page.context.close()


def test_a_permission_granted_after_a_refusal_brings_record_back(chromiums: dict[str, Any]) -> None:
    page = open_widget_page(chromiums["asks"].new_context(), RECORDER)
    try:
        page.add_script_tag(content="""
            window.__permission = new EventTarget();
            window.__permission.state = "denied";
            navigator.permissions.query = async () => window.__permission;
        """)
        page.evaluate(SHOW_RECORDER, "regrant")
        root = page.locator("#regrant")
        expect(root.locator(".ora-upload")).to_be_visible()  # refused earlier: the upload at once
        expect(root.locator(".ora-upload-why")).to_contain_text("permission is refused")
        page.evaluate("""() => {
            window.__permission.state = "granted";
            window.__permission.dispatchEvent(new Event("change"));
        }""")
        expect(root.locator(".ora-upload")).to_be_hidden()
        expect(root.locator(".ora-status")).to_have_text("Microphone allowed: press Record.")
        expect(root.locator(".ora-record")).to_be_enabled()
        listeners = page.evaluate("""() => {
            window.__shown.regrant.unrender();
            // the view is gone: a later change must find nobody listening
            window.__permission.state = "denied";
            window.__permission.dispatchEvent(new Event("change"));
            return window.__orAudio.recorders.regrant.upload;
        }""")
        assert listeners is None
    finally:
        page.context.close()


HANDS_FREE_AT_LOAD = """
window.__shown = { auto: window.showWidget("auto", { max_seconds: 60 }) };
window.__shown.auto.model.set("hands_free", true);  // from the kernel: no click in this page
"""


def test_hands_free_turned_on_without_a_click_asks_for_the_microphone_only_from_one(
    chromiums: dict[str, Any]
) -> None:
    """Colab's rule: a microphone request made outside a click fails silently. Playwright's evaluate()
    counts as a user gesture, so the page turns hands-free on from its own script, and the test reads it
    through the DOM only until its real click."""
    page = open_widget_page(chromiums["asks"].new_context(), RECORDER, script=HANDS_FREE_AT_LOAD)
    try:
        root = page.locator("#auto")
        expect(root).to_have_attribute("data-state", "click")
        expect(root.locator(".ora-status")).to_contain_text("press Start listening")
        start = root.locator(".ora-record")
        expect(start).to_have_text("● Start listening")
        expect(start).to_be_enabled()
        start.click()  # a real click: the request comes from it (the fake microphone's prompt says yes)
        expect(root).to_have_attribute("data-state", "listening")
        expect(start).to_have_text("● Record")
        assert page.evaluate("() => window.__orAudio.recorders.auto.micOpen") is True
    finally:
        page.context.close()


def recorded(page: Any, recorder_id: str) -> dict[str, Any]:
    root = page.locator(f"#{recorder_id}")
    root.locator(".ora-record").click()
    expect(root).to_have_attribute("data-state", "recording")
    page.wait_for_timeout(1200)  # the length of the take, not a synchronisation
    root.locator(".ora-stop").click()
    expect(root).to_have_attribute("data-state", "sending")
    sent(page, recorder_id, 1)
    return dict(page.evaluate(
        """async (id) => {
            const r = window.__shown[id];
            const bytes = new Uint8Array(r.model.buffers[0][0]);
            let text = "";
            for (const b of bytes) text += String.fromCharCode(b);
            return { msg: r.model.sent[0], b64: btoa(text) };
        }""",
        recorder_id,
    ))


@pytest.mark.parametrize(
    "offer",
    [
        # a MediaRecorder that has only mp4 (Safari's reliable type)
        "MediaRecorder.isTypeSupported = (t) => t.startsWith('audio/mp4');",
        # WebKit's own: it claims webm too, whose takes do not decode there; mp4 must come first
        "Object.defineProperty(navigator, 'vendor', { value: 'Apple Computer, Inc.' });",
    ],
    ids=["only-mp4", "webkit"],
)
def test_where_webm_is_not_the_answer_the_take_is_mp4_and_converts(
    chromiums: dict[str, Any], offer: str
) -> None:
    import base64

    page = open_widget_page(chromiums["asks"].new_context(), RECORDER)
    try:
        page.add_script_tag(content=offer)
        page.evaluate(SHOW_RECORDER, "mp4")
        taken = recorded(page, "mp4")
        assert taken["msg"]["mime"].startswith("audio/mp4"), taken["msg"]
        data = base64.b64decode(taken["b64"])
        assert data[4:8] == b"ftyp"  # the bytes are mp4, as labelled
        # the input_audio part sent to the API matches what the bytes became, not the page's label
        prepared = prepare_audio(data)
        assert (prepared.converted_from, prepared.format) == ("mp4", "wav")
        assert prepared.part["input_audio"]["format"] == "wav"
        assert prepared.duration == pytest.approx(taken["msg"]["ms"] / 1000, abs=0.3)  # as the page timed it
    finally:
        page.context.close()


def test_hands_free_whose_prompt_never_appears_hints_and_asks_again_from_a_click(
    chromiums: dict[str, Any]
) -> None:
    page = open_widget_page(chromiums["asks"].new_context(), RECORDER, script=STAND_IN + HANDS_FREE_AT_LOAD)
    try:
        root = page.locator("#auto")
        start = root.locator(".ora-record")
        expect(start).to_have_text("● Start listening")
        start.click()
        expect(root).to_have_attribute("data-state", "opening")
        expect(start).to_be_disabled()
        # no prompt, no answer: the hint, and Start listening asks again
        expect(root.locator(".ora-status")).to_contain_text("No permission prompt?", timeout=15_000)
        expect(root.locator(".ora-status")).to_contain_text("Press Start listening again")
        start.click()
        page.evaluate("() => window.answer(1)")
        expect(root).to_have_attribute("data-state", "listening")
        page.evaluate("() => window.answer(0)")  # the first request's late answer is closed at once
        page.wait_for_function("() => window.tracks(0).every((s) => s === 'ended')")
        assert page.evaluate("() => window.tracks(1)") == ["live"]
        # hands-free off: the microphone is closed
        page.evaluate("() => window.__shown.auto.model.set('hands_free', false)")
        page.wait_for_function("() => window.tracks(1).every((s) => s === 'ended')")
        expect(start).to_have_text("● Record")
    finally:
        page.context.close()
