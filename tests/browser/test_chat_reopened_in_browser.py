"""AudioChat survives save and reopen: three turns, save, restart the kernel, reload; the conversation is on
the page and plays (JupyterLab, then the same file in Notebook 7)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import audio_duration, plays
from _lab_server import Lab, serving
from conftest import open_notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SAVE_STATE = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"
PROMPTS = ("One, about <b>lighthouses</b>", "Two", "Three")


@pytest.fixture(scope="module")
def reopened(lab: Lab, browser: Any) -> Iterator[tuple[Any, Path]]:
    """The chat notebook after three turns, a save, a kernel restart and a reload."""
    book = open_notebook(lab, browser, "chat-kept.ipynb", "lab/tree/chat-kept.ipynb?reset")
    page = book.page
    # Without saved widget state, as JupyterLab starts: the panel cannot come back, only the record can.
    state_was_on = page.evaluate("(c) => window.jupyterapp.commands.isToggled(c)", SAVE_STATE)
    if state_was_on:
        page.evaluate("(c) => window.jupyterapp.commands.execute(c)", SAVE_STATE)
    try:
        cell = book.execute("from or_audio_widgets import AudioChat\nkchat = AudioChat()\nkchat")
        chat = cell.locator(".ora-chat")
        chat.wait_for(state="visible")
        for prompt in PROMPTS:
            book.execute(f"kchat.send({prompt!r}); assert kchat.wait(60)")
        expect(chat.locator(".ora-player")).to_have_count(3)
        record = cell.locator(".or-audio-chat-record")
        expect(record).to_be_hidden()  # the live panel shows these turns: no second copy on screen
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
        page.reload(wait_until="domcontentloaded")
        page.locator(".or-audio-chat-record").wait_for(state="visible", timeout=60_000)
        yield page, lab.root / "chat-kept.ipynb"
    finally:
        if state_was_on:
            page.evaluate("(c) => window.jupyterapp.commands.execute(c)", SAVE_STATE)
        page.close()


def check_conversation(page: Any) -> Any:
    record = page.locator(".or-audio-chat-record")
    expect(record).to_be_visible()
    assert "AudioChat conversation, 3 turns" in record.inner_text()
    users = record.locator(".or-audio-chat-user")
    expect(users).to_have_count(3)
    assert "One, about <b>lighthouses</b>" in users.first.inner_text()  # escaped, shown as typed
    replies = record.locator(".or-audio-reply")
    expect(replies).to_have_count(3)
    for index in range(3):
        assert audio_duration(replies.nth(index).locator("audio")) > 0.5
        assert f"You said: {PROMPTS[index]}" in replies.nth(index).inner_text()
    assert plays(page, replies.last.locator("audio"))
    return record


def test_the_conversation_is_on_the_reopened_page_and_plays(
    reopened: tuple[Any, Path], artifacts: Path
) -> None:
    page, _ = reopened
    record = check_conversation(page)
    names = record.locator("a.or-audio-download").evaluate_all("(links) => links.map((a) => a.download)")
    assert names == ["turn-1.mp3", "turn-2.mp3", "turn-3.mp3"]
    assert "Trust Notebook" not in record.inner_text()  # the author's own notebook is trusted
    record.screenshot(path=str(artifacts / "chat_reopened_jupyterlab.png"))


def test_the_saved_conversation_plays_in_notebook_7(
    reopened: tuple[Any, Path], browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    _, saved = reopened
    with serving("notebook", tmp_path_factory.mktemp("nb7-chat"),
                 "--JupyterNotebookApp.expose_app_in_browser=True") as server:
        shutil.copy(saved, server.root / "chat-kept.ipynb")
        page = browser.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(server.url("notebooks/chat-kept.ipynb"), wait_until="domcontentloaded")
            page.locator(".or-audio-chat-record").wait_for(state="visible", timeout=60_000)
            record = check_conversation(page)
            # a copy this server did not sign is untrusted: one note for the record, not one per turn
            note = record.locator(".or-audio-untrusted")
            expect(note).to_have_count(1)
            expect(note).to_be_visible()
            assert record.inner_text().count("Trust Notebook") == 1
            expect(record.locator("a.or-audio-download")).to_have_count(3)
            expect(record.locator("a.or-audio-download").first).to_be_hidden()  # no dead link instead
            record.screenshot(path=str(artifacts / "chat_reopened_notebook7.png"))
        finally:
            page.close()


def test_the_conversation_plays_in_the_notebook_exported_to_html(
    reopened: tuple[Any, Path], bare_browsers: dict[str, Any], tmp_path: Path
) -> None:
    """A front end without widgets (nbconvert's HTML): the panel cannot show, the conversation does."""
    _, saved = reopened
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--output-dir", str(tmp_path)]
    subprocess.run([*command, str(saved)], check=True, capture_output=True, timeout=120)
    page = bare_browsers["allowed"].new_page()
    try:
        page.goto((tmp_path / "chat-kept.html").as_uri())
        check_conversation(page)
    finally:
        page.close()
