"""A newcomer in the hosts where notebooks run, in JupyterLab: the quickstart (``%%oraudio`` speaks, the reply
plays live and stays as a saved player) and one AudioChat turn, with nothing to read first.

The hosts, emulated in one Chromium that denies every permission prompt and may not start sound without a
click on the page (``--autoplay-policy=document-user-activation-required``):
- "vscode": JupyterLab inside a frame of another origin whose ``allow`` omits the microphone, as VS Code's
  notebook outputs are (the frame's JupyterLab made framable: its own pages say "frame-ancestors 'self'");
- "denied": JupyterLab as the page, the microphone's prompt answered no;
- "ipykernel6": the notebook's kernel is ipykernel 6.31 (the venv ``make test-kernels`` uses, made here when
  missing), where Stop cannot be heard while the cell runs.
Playwright's evaluate() (how the tests run cells) counts as a click on the page, which would lift the
autoplay rule for good; an init script keeps the rule as a page nobody clicked has it (sound starts only
after a real click), and each test clicks "Click to listen" like a person.

Screenshots (light and dark) go to test-artifacts/hosts_lab_*.png.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import audio_duration, new_player, players
from _client_helpers import make_wav
from _contrast import contrasts
from _lab_server import Lab
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

IPYKERNEL_6 = "6.31.0"
KERNEL_6 = "python3-ipykernel6"
NO_MICROPHONE = "autoplay; clipboard-read; clipboard-write"
STOP_NEEDS_7 = "Stop needs ipykernel 7; use Kernel > Interrupt"
# a listening model: the offline emulator's answer names the duration of what it heard
CHAT = "from or_audio_widgets import AudioChat\nchat = AudioChat(model='google/gemini-2.5-flash')\nchat"
QUICKSTART = "%%oraudio --voice alloy\nIn one short sentence, welcome me to audio in Jupyter."
# Sound only after a real click (isTrusted), as in a page nobody has clicked: new contexts start
# suspended and resume() is refused until then. Runs in every frame, before JupyterLab's own scripts.
AUTOPLAY_RULE = """
(() => {
    const Real = window.AudioContext;
    if (!Real) return;
    const resume = Real.prototype.resume;
    window.__soundAllowed = false;
    Real.prototype.resume = function () {
        if (window.__soundAllowed) return resume.call(this);
        return Promise.reject(new DOMException("The page may not start audio yet", "NotAllowedError"));
    };
    window.AudioContext = class extends Real {
        constructor(...args) {
            super(...args);
            if (!window.__soundAllowed) this.suspend();
        }
    };
    addEventListener("click", (e) => { if (e.isTrusted) window.__soundAllowed = true; }, true);
})();
"""


class FramedNotebook(Notebook):
    """The conftest's notebook driver, on JupyterLab in a frame (a Playwright Frame has the same calls)."""

    def __init__(self, target: Any, page: Any) -> None:
        self.page = target
        self.top = page
        self.ws_received = 0


@pytest.fixture(scope="module")
def host_context(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # The host page is made up by the test (Playwright answers it, it has no address of its own), which
    # Chromium's local-network checks would take for a public page reaching into 127.0.0.1.
    args = [*CHROMIUM_ARGS, "--autoplay-policy=document-user-activation-required",
            "--deny-permission-prompts", "--use-fake-device-for-media-stream",
            "--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets"]
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("hosts-profile")), executable_path=CHROMIUM, headless=True, args=args,
        viewport={"width": 1280, "height": 900},
    )
    context.add_init_script(AUTOPLAY_RULE)
    try:
        yield context
    finally:
        context.close()


def ipykernel6_python() -> Path:
    """The venv ``make test-kernels`` runs ipykernel 6 in (the main venv's packages, ipykernel 6.31), made
    by the Makefile's own rule when missing, over the packages of the Python running these tests."""
    ready = f".venv-ipykernel-{IPYKERNEL_6}/.ready"
    subprocess.run(["make", "--no-print-directory", f"PY={sys.executable}", ready], cwd=ROOT, check=True)
    return ROOT / f".venv-ipykernel-{IPYKERNEL_6}" / "bin" / "python"


def add_kernel6(lab: Lab) -> None:
    """A kernelspec running ipykernel 6, where the lab server looks for kernels (its JUPYTER_DATA_DIR)."""
    spec = lab.root.parent / "data" / "kernels" / KERNEL_6
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(ipykernel6_python()), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": f"Python 3 (ipykernel {IPYKERNEL_6})", "language": "python"}))


def open_host(lab: Lab, context: Any, host: str) -> FramedNotebook:
    name = f"hosts-{host}.ipynb"
    kernel = KERNEL_6 if host == "ipykernel6" else "python3"
    (lab.root / name).write_text(json.dumps({
        "cells": [], "metadata": {"kernelspec": {"name": kernel, "display_name": kernel}},
        "nbformat": 4, "nbformat_minor": 5}))
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("dialog", lambda dialog: dialog.dismiss())
    url = lab.url(f"lab/tree/{name}?reset")
    target = page
    if host == "vscode":
        # JupyterLab says it may be framed by its own origin only; the editor's webview is another origin
        def framable(route: Any) -> None:
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
            route.fulfill(response=response, headers=headers)

        page.route(f"http://127.0.0.1:{lab.port}/lab/**", framable)
        # another origin (a port of its own) of the same site, so JupyterLab's login cookie still reaches it
        host_url = f"http://127.0.0.1:{lab.port + 1}/vscode-webview"
        html = (f"<!doctype html><body style='margin:0'><iframe id='output' src='{url}' "
                f"allow='{NO_MICROPHONE}' style='width:1270px;height:890px;border:0'></iframe></body>")
        page.route(host_url, lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto(host_url)
        handle = page.locator("#output").element_handle(timeout=60_000)
        assert handle is not None
        target = handle.content_frame()
        assert target is not None
    else:
        page.goto(url, wait_until="domcontentloaded")
    target.wait_for_function(
        """() => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const session = w && w.sessionContext && w.sessionContext.session;
            const kernel = session && session.kernel;
            return kernel && kernel.status === "idle" && w.content && w.content.model;
        }""",
        timeout=120_000,
    )
    return FramedNotebook(target, page)


def set_theme(book: FramedNotebook, dark: bool) -> None:
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    book.page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', { theme })",
                       theme)
    book.page.wait_for_function("(l) => document.body.dataset.jpThemeLight === l", arg=str(not dark).lower())


@pytest.mark.parametrize("host", ["vscode", "denied", "ipykernel6"])
def test_a_newcomer_completes_the_quickstart_and_an_audio_chat_turn(
    lab: Lab, host_context: Any, artifacts: Path, tmp_path: Path, host: str
) -> None:
    if host == "ipykernel6":
        add_kernel6(lab)
    book = open_host(lab, host_context, host)
    try:
        frame = book.page
        version = book.execute("import ipykernel; print(ipykernel.__version__)")
        expected = IPYKERNEL_6 if host == "ipykernel6" else re.compile(r"^7\.")
        expect(version.locator(".jp-OutputArea-output")).to_have_text(expected)
        book.execute("%load_ext or_audio_widgets")
        set_theme(book, dark=False)

        # the quickstart's first reply: live, waiting for a click to be heard, then saved
        before = players(frame)
        index = book.run(QUICKSTART)
        player_id = new_player(frame, before)
        cell = book.cell(index)
        live = cell.locator(f".ora-player[data-player-id='{player_id}']")
        listen = live.locator(".ora-listen")
        expect(listen).to_be_visible(timeout=30_000)
        expect(live.locator(".ora-status")).to_contain_text("sound waits for your click")
        if host == "ipykernel6":
            expect(live.locator(".ora-stop-reply")).to_be_disabled()
            expect(live.locator(".ora-stop-note")).to_have_text(STOP_NEEDS_7)
            note = [c for c in contrasts(live) if c["text"].startswith("Stop needs")]
            assert len(note) == 1 and note[0]["ratio"] >= 4.5, note
        else:
            expect(live.locator(".ora-stop-reply")).to_be_enabled()
        book.top.screenshot(path=str(artifacts / f"hosts_lab_{host}_click_to_listen_light.png"))
        listen.click()  # a person's click: sound may start
        running = "(id) => window.__orAudio.players[id].contextState === 'running'"
        frame.wait_for_function(running, arg=player_id)
        book.wait(index, timeout=90)
        saved = cell.locator(".or-audio-reply")
        assert audio_duration(saved.locator("audio")) > 0.5  # the saved player holds the reply

        # one AudioChat turn, from a file where the microphone cannot be used
        set_theme(book, dark=True)
        chat_cell = book.execute(CHAT)
        recorder = chat_cell.locator(".ora-recorder")
        if host == "vscode":  # the host's policy is known at once: the upload is offered before any click
            why = recorder.locator(".ora-upload-why")
            expect(why).to_contain_text("does not let widgets use the microphone")
            expect(recorder.locator(".ora-record")).to_be_disabled()
        else:  # the prompt is refused when Record asks
            recorder.locator(".ora-record").click()
            expect(recorder.locator(".ora-message")).to_contain_text("permission was refused")
        expect(recorder.locator(".ora-upload")).to_be_visible()
        low = [c for c in contrasts(recorder) if c["ratio"] < 4.5]
        assert not low, low  # the reason and the upload read well in the dark theme
        chat_cell.screenshot(path=str(artifacts / f"hosts_lab_{host}_chat_upload_dark.png"))
        take = tmp_path / "question.wav"
        take.write_bytes(make_wav(1.5))
        recorder.locator("input[type=file]").set_input_files(str(take))
        expect(recorder).to_have_attribute("data-state", "ready", timeout=30_000)
        expect(recorder.locator(".ora-status")).to_contain_text("Uploaded 1.5 s")
        before = players(frame)
        chat_cell.locator("button.jupyter-button", has_text="Send").click()
        answer_id = new_player(frame, before)
        answer = chat_cell.locator(f".ora-player[data-player-id='{answer_id}']")
        expect(answer.locator(".ora-transcript")).to_contain_text("duration=1.500s", timeout=60_000)
        frame.wait_for_function("(id) => window.__orAudio.players[id].state === 'done'", arg=answer_id,
                                timeout=90_000)
        expect(chat_cell.locator(".ora-user-turn").first).to_contain_text("uploaded file question.wav")
        chat_cell.screenshot(path=str(artifacts / f"hosts_lab_{host}_chat_turn_dark.png"))
    finally:
        book.top.close()
