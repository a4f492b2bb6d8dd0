"""JupyterLab on 127.0.0.1 and headless Debian Chromium, started once per test session (and Notebook 7,
started by the tests that use it, the same way).

The server runs from a temp folder with its own config, data, settings and workspace folders, so nothing
from the developer's Jupyter setup (or the network) is involved; the kernel sees ``OR_AUDIO_OFFLINE=1`` and
an emulator pacing at real time. Chromium is Debian's (``/usr/bin/chromium``): Playwright never downloads one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import CHAT_REQUEST_SHAPE, SETUP
from _lab_server import Lab, serving

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
# Headless, quiet, and nothing but loopback resolves: pages reach JupyterLab and nothing else.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]  # fmt: skip

@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temp folder; kernels get offline mode and a real-time emulator."""
    with serving("lab", tmp_path_factory.mktemp("lab"), "--LabApp.expose_app_in_browser=True") as server:
        yield server


@pytest.fixture(scope="session")
def mic_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Speech for Chromium's fake microphone: espeak-ng, resampled to 48 kHz mono 16-bit."""
    folder = tmp_path_factory.mktemp("mic")
    raw, wav = folder / "speech.wav", folder / "mic.wav"
    text = "Hello from the fake microphone. This is a recording made for the browser test."
    subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, capture_output=True)
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    command = [ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-i", str(raw), "-ar", "48000", "-ac", "1"]
    subprocess.run([*command, str(wav)], check=True)
    return wav


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """Playwright's driver, once: its sync API allows one per thread."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as driver:
        yield driver


def with_microphone(playwright: Any, profile: Path, capture: str) -> Any:
    """A headless Chromium context with the fresh ``profile``, autoplay allowed and a fake microphone
    playing ``capture`` (a WAV path, with Chromium's ``%noloop`` when it should not start again)."""
    args = [
        *CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={capture}",
    ]  # fmt: skip
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=args,
        viewport={"width": 1280, "height": 900}, permissions=["microphone"],
    )


@pytest.fixture(scope="session")
def browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory, mic_wav: Path) -> Iterator[Any]:
    """A headless Chromium context with a fresh profile, a fake microphone and autoplay allowed."""
    context = with_microphone(playwright, tmp_path_factory.mktemp("chromium-profile"), str(mic_wav))
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def bare_browsers(playwright: Any) -> Iterator[dict[str, Any]]:
    """Two headless Chromiums for pages without JupyterLab: "allowed" plays audio without a gesture,
    "gesture" keeps the browser's default rule (sound only after the person interacts with the page)."""
    policies = {"allowed": "no-user-gesture-required", "gesture": "document-user-activation-required"}
    opened = {
        name: playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, f"--autoplay-policy={policy}"]
        )
        for name, policy in policies.items()
    }
    try:
        yield opened
    finally:
        for browser in opened.values():
            browser.close()


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, Any]]:
    """The figures the tests measure; written to test-artifacts/widget_figures.json at the end, merged with
    those of the other pytest-xdist workers of the same run (a file of an earlier run is replaced)."""
    found: dict[str, Any] = {}
    yield found
    if found:
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
        with open(out / "widget_figures.json", "a+", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # workers that end together take turns
            file.seek(0)
            try:
                kept = json.loads(file.read() or "{}")
            except ValueError:
                kept = {}
            merged = kept if run and kept.pop("_run", None) == run else {}
            file.seek(0)
            file.truncate()
            file.write(json.dumps({**merged, **found, "_run": run}, indent=2, sort_keys=True))


@pytest.fixture
def report(figures: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> Callable[[str, Any], None]:
    """``report(name, value)``: keep a figure for widget_figures.json and print it."""

    def put(name: str, value: Any) -> None:
        figures[name] = value
        with capsys.disabled():
            print(f"\n[widget figures] {name}: {json.dumps(value)}")

    return put


class Notebook:
    """One notebook open in JupyterLab; :meth:`run` appends a code cell and starts it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.ws_received = 0  # bytes of every websocket frame the page received (kernel traffic)
        page.on("websocket", self._count)

    def _count(self, socket: Any) -> None:
        def received(payload: str | bytes) -> None:
            self.ws_received += len(payload.encode() if isinstance(payload, str) else payload)

        socket.on("framereceived", received)

    def run(self, code: str) -> int:
        """Append a cell with ``code``, start running it (without waiting) and return its index."""
        index: int = self.page.evaluate(
            """(code) => {
                const app = window.jupyterapp;
                const notebook = app.shell.currentWidget.content;
                const index = notebook.model.cells.length;
                notebook.model.sharedModel.insertCell(index, { cell_type: "code", source: code });
                notebook.activeCellIndex = index;
                window.__runs = window.__runs || {};
                window.__runEnds = window.__runEnds || {};
                window.__runs[index] = "running";
                const end = (state) => {
                    window.__runs[index] = state;
                    window.__runEnds[index] = Date.now();
                };
                const run = app.commands.execute("notebook:run-cell");
                run.then(() => end("done"), (err) => end("error: " + err));
                return index;
            }""",
            code,
        )
        return index

    def wait(self, index: int, timeout: float = 60.0) -> None:
        """Wait until cell ``index`` has finished running."""
        self.page.wait_for_function(
            "(i) => window.__runs && window.__runs[i] && window.__runs[i] !== 'running'",
            arg=index,
            timeout=timeout * 1000,
        )
        state = self.page.evaluate("(i) => window.__runs[i]", index)
        assert state == "done", state

    def execute(self, code: str, timeout: float = 60.0) -> Any:
        """Run ``code`` in a new cell, wait for it, and return the cell's locator."""
        index = self.run(code)
        self.wait(index, timeout)
        return self.cell(index)

    def cell(self, index: int) -> Any:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def text_output(self, index: int) -> str:
        """The plain-text output of cell ``index``."""
        return str(self.cell(index).locator(".jp-OutputArea-output").all_inner_texts())


def open_notebook(server: Lab, browser: Any, name: str, page_path: str) -> Notebook:
    """An empty notebook ``name`` opened at ``page_path``, its kernel idle and set up (``SETUP``)."""
    (server.root / name).write_text(
        json.dumps(
            {
                "cells": [],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    page = browser.new_page()
    # Generous waits: CI runs these once, on two cores shared with the rest of the suite.
    page.set_default_timeout(60_000)
    page.on("dialog", lambda dialog: dialog.dismiss())
    book = Notebook(page)  # before goto, so the kernel's websocket is counted from the start
    page.goto(server.url(page_path), wait_until="domcontentloaded")
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const session = w && w.sessionContext && w.sessionContext.session;
            const kernel = session && session.kernel;
            return kernel && kernel.status === "idle" && w.content && w.content.model;
        }""",
        timeout=90_000,
    )
    book.execute(SETUP + CHAT_REQUEST_SHAPE)
    return book


@pytest.fixture(scope="session")
def notebook(lab: Lab, browser: Any) -> Iterator[Notebook]:
    """An empty notebook opened in JupyterLab, its kernel idle and set up (``_browser_pages.SETUP``)."""
    book = open_notebook(lab, browser, "widgets.ipynb", "lab/tree/widgets.ipynb?reset")
    try:
        yield book
    finally:
        book.page.close()


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Notebook]:
    """The same as ``notebook``, in Notebook 7 (``jupyter notebook``) opened at /notebooks/<name>.ipynb;
    module-scoped, so its server stops when the module that uses it is done."""
    base = tmp_path_factory.mktemp("notebook7")
    with serving("notebook", base, "--JupyterNotebookApp.expose_app_in_browser=True") as server:
        book = open_notebook(server, browser, "notebook7.ipynb", "notebooks/notebook7.ipynb")
        try:
            yield book
        finally:
            book.page.close()


@pytest.fixture(scope="module")
def talking_notebook(
    lab: Lab, playwright: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Notebook]:
    """A notebook in a Chromium of its own whose fake microphone says a sentence, is silent 4 s, says
    another, then stays silent (each time it is opened), for the hands-free tests."""
    from _talking import talk_wav

    folder = tmp_path_factory.mktemp("talking")
    context = with_microphone(playwright, folder / "profile", f"{talk_wav(folder)}%noloop")
    try:
        book = open_notebook(lab, context, "handsfree.ipynb", "lab/tree/handsfree.ipynb?reset")
        yield book
        book.page.close()
    finally:
        context.close()
