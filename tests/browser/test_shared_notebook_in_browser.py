"""The notebook a user keeps and shares: saved replies play when someone else opens it (untrusted, in
JupyterLab and Notebook 7), the one download link gives a named file, and replies, the chat and errors read
well in the light and the dark theme (text contrast at least 4.5:1, computed from the page's styles)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import audio_duration, notebook_value, plays
from _contrast import contrasts, set_theme
from _lab_server import Lab, serving
from conftest import Notebook, open_notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HEADERS = {"X-Emulator-Realtime": "0", "X-Emulator-Seconds": "3"}
CELLS = {
    "reply": "%%oraudio --out greeting\nHello <b>there</b>, and welcome.",
    "short": "%%oraudio --embed inline\nHi.",
    "cut": "%%oraudio\nA reply that breaks off.",
}
SETTINGS = {"short": {"X-Emulator-Seconds": "0.8"}, "cut": {"X-Emulator-Fault": "drop;after=4"}}


@dataclass
class Saved:
    """The notebook as its author saved it, open in their page, and the replies' lengths."""

    book: Notebook
    path: Path
    cells: dict[str, int]  # cell index of each of CELLS
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def saved(lab: Lab, browser: Any) -> Iterator[Saved]:
    """A notebook with a compressed reply, a short WAV one and a cut-off one, run and saved in JupyterLab."""
    book = open_notebook(lab, browser, "shared.ipynb", "lab/tree/shared.ipynb?reset")
    book.execute(f"%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {json.dumps(HEADERS)}")
    cells, seconds = {}, {}
    for name, code in CELLS.items():
        if name in SETTINGS:
            book.execute(f"%config OrAudioMagics.headers = {json.dumps({**HEADERS, **SETTINGS[name]})}")
        cells[name] = book.run(code)
        book.wait(cells[name])
        seconds[name] = float(notebook_value(book, "_oraudio.duration"))
    book.execute(f"%config OrAudioMagics.headers = {json.dumps(HEADERS)}")
    book.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    book.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    try:
        yield Saved(book, lab.root / "shared.ipynb", cells, seconds)
    finally:
        book.page.close()


def untrusted_copy(saved: Saved, folder: Path) -> str:
    """The saved notebook as someone else receives it: same outputs, no signature this server knows."""
    nb = json.loads(saved.path.read_text())
    nb["metadata"]["shared_by"] = "someone else"  # another hash: the author's signature does not cover it
    (folder / "received.ipynb").write_text(json.dumps(nb))
    return "received.ipynb"


def check_untrusted_page(page: Any, saved: Saved, artifacts: Path, label: str) -> None:
    replies = page.locator(".or-audio-reply")
    expect(replies).to_have_count(len(CELLS), timeout=60_000)
    for index, name in enumerate(CELLS):
        reply = replies.nth(index)
        assert audio_duration(reply.locator("audio")) == pytest.approx(saved.seconds[name], abs=0.06)
        waveform = reply.locator("img[alt=waveform]")
        assert waveform.evaluate("(img) => img.complete && img.naturalWidth > 0")  # the <img> survived
        expect(reply.locator(".or-audio-untrusted")).to_be_visible()  # says how to trust it ...
        expect(reply.locator("a.or-audio-download")).to_be_hidden()  # ... instead of a dead link
    assert "Trust Notebook" in replies.first.inner_text()
    assert plays(page, replies.first.locator("audio"))
    replies.first.screenshot(path=str(artifacts / f"untrusted_reply_{label}.png"))


def test_a_shared_notebook_plays_untrusted_in_jupyterlab(
    saved: Saved, lab: Lab, browser: Any, artifacts: Path
) -> None:
    name = untrusted_copy(saved, lab.root)
    page = browser.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(lab.url(f"lab/tree/{name}?reset"), wait_until="domcontentloaded")
        cells = len(json.loads((lab.root / name).read_text())["cells"])
        trusted = page.wait_for_function(
            """([name, n]) => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const model = w && w.context && w.context.path === name && w.content.model;
                return model && model.cells.length === n && [...model.cells].map((c) => c.trusted);
            }""",
            arg=[name, cells],
        ).json_value()
        assert not any(trusted)  # JupyterLab sanitizes these outputs
        check_untrusted_page(page, saved, artifacts, "jupyterlab")
    finally:
        page.close()


def test_a_shared_notebook_plays_untrusted_in_notebook_7(
    saved: Saved, browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    with serving("notebook", tmp_path_factory.mktemp("nb7-shared"),
                 "--JupyterNotebookApp.expose_app_in_browser=True") as server:
        name = untrusted_copy(saved, server.root)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(server.url(f"notebooks/{name}"), wait_until="domcontentloaded")
            check_untrusted_page(page, saved, artifacts, "notebook7")
        finally:
            page.close()


def test_the_download_link_saves_the_reply_under_a_readable_name(saved: Saved) -> None:
    page, cell = saved.book.page, saved.book.cell(saved.cells["reply"])
    link = cell.locator("a.or-audio-download")
    expect(link).to_be_visible()
    expect(cell.locator(".or-audio-untrusted")).to_be_hidden()  # the author's own notebook is trusted
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "greeting.mp3"  # the --out name, the format the player plays
    played = cell.locator("audio").get_attribute("src")
    data = Path(download.path()).read_bytes()
    assert data == base64.b64decode(played.split(",", 1)[1]) and data[:3] in (b"ID3", b"\xff\xf3")


def test_replies_the_chat_and_errors_read_well_in_both_themes(
    saved: Saved, artifacts: Path, report: Any
) -> None:
    book = saved.book
    book.execute('%config OrAudioMagics.headers = {"X-Emulator-Fault": "402"}')
    error = book.run("%%oraudio\nHello")
    book.page.wait_for_function("(i) => window.__runs[i] !== 'running'", arg=error, timeout=60_000)
    book.execute(f"%config OrAudioMagics.headers = {json.dumps(HEADERS)}")
    chat = book.execute(
        "from or_audio_widgets import AudioChat\ntchat = AudioChat()\n"
        "tchat.send('Hello'); assert tchat.wait(60)\ntchat"
    )
    chat.locator(".ora-chat").wait_for(state="visible")
    shown = {"reply": book.cell(saved.cells["reply"]), "cut": book.cell(saved.cells["cut"]),
             "error": book.cell(error), "chat": chat}
    worst: dict[str, Any] = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(book.page, theme)
            label = "dark" if "Dark" in theme else "light"
            for what, cell in shown.items():
                cell.scroll_into_view_if_needed()
                cell.screenshot(path=str(artifacts / f"theme_{label}_{what}.png"))
                found = contrasts(cell.locator(".jp-OutputArea"))
                assert found, what
                low = min(found, key=lambda c: c["ratio"])
                worst[f"{label}_{what}"] = {"ratio": round(low["ratio"], 2), "text": low["text"]}
    finally:
        set_theme(book.page, "JupyterLab Light")
    report("text_contrast_worst", worst)
    failing = {k: v for k, v in worst.items() if v["ratio"] < 4.5}
    assert not failing, failing


def test_the_notebook_exported_to_html_plays_and_downloads(
    saved: Saved, bare_browsers: dict[str, Any], tmp_path: Path, artifacts: Path
) -> None:
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--output-dir", str(tmp_path)]
    subprocess.run([*command, str(saved.path)], check=True, capture_output=True, timeout=120)
    page = bare_browsers["allowed"].new_page()
    try:
        page.goto((tmp_path / "shared.html").as_uri())
        replies = page.locator(".or-audio-reply")
        expect(replies).to_have_count(len(CELLS))
        for index, name in enumerate(CELLS):
            reply = replies.nth(index)
            assert audio_duration(reply.locator("audio")) == pytest.approx(saved.seconds[name], abs=0.06)
            expect(reply.locator("a.or-audio-download")).to_be_visible()  # exported HTML is not sanitized
            expect(reply.locator(".or-audio-untrusted")).to_have_count(0)  # the <template> is never shown
        with page.expect_download() as info:
            replies.first.locator("a.or-audio-download").click()
        assert info.value.suggested_filename == "greeting.mp3"
        replies.first.screenshot(path=str(artifacts / "exported_html_reply.png"))
    finally:
        page.close()
