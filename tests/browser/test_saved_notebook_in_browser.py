"""A saved and reloaded notebook: the finished reply comes back as a file, and saved widget state holds
no key. The module has a notebook of its own (saving and reloading the session's shared one would depend
on what the tests before it left there), and puts widget-state saving back as it found it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import audio_duration, debug, notebook_value
from conftest import open_notebook

pytestmark = pytest.mark.browser

NAME = "saved.ipynb"
SAVE_STATE = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"


@pytest.fixture(scope="module")
def notebook(lab: Any, browser: Any) -> Iterator[Any]:
    """This module's own notebook, set up as the session's shared one is."""
    book = open_notebook(lab, browser, NAME, f"lab/tree/{NAME}?reset")
    was_on = book.page.evaluate("(c) => window.jupyterapp.commands.isToggled(c)", SAVE_STATE)
    try:
        yield book
    finally:
        if not was_on and book.page.evaluate("(c) => window.jupyterapp.commands.isToggled(c)", SAVE_STATE):
            book.page.evaluate("(c) => window.jupyterapp.commands.execute(c)", SAVE_STATE)
        book.page.close()


def test_a_reloaded_page_gets_the_finished_reply_replayed_not_replayed_aloud(
    notebook: Any, artifacts: Path
) -> None:
    """The page's copy of a finished reply is lost on reload; the player asks the kernel again."""
    page = notebook.page
    notebook.execute(
        "pr = LivePlayer(); display(pr)\n"
        "rr = stream_into(pr, 'Kept.', X_Emulator_Seconds=1.2, X_Emulator_Realtime=0)"
    )
    player_id = notebook_value(notebook, "pr.player_id")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    page.reload(wait_until="domcontentloaded")
    root = page.locator(f".ora-player[data-player-id='{player_id}']")
    root.wait_for(timeout=60_000)
    page.locator(f".ora-player[data-player-id='{player_id}'][data-state='done']").wait_for(timeout=20_000)
    assert audio_duration(root.locator(".ora-final audio")) == pytest.approx(1.2, abs=0.01)
    info = debug(page, player_id)
    assert info["schedule"] == []  # a finished reply comes back as a file, not spoken again
    assert info["bytesReceived"] == 1.2 * 48000
    root.screenshot(path=str(artifacts / "replayed_after_reload.png"))


def test_a_saved_notebook_holds_widget_state_but_no_key(notebook: Any, lab: Any) -> None:
    """With "Save Widget State Automatically" on, the saved .ipynb has the chat's state and no key."""
    page = notebook.page
    # The key is made in the kernel and never printed, so the only way into the file is a leak.
    notebook.execute(
        "import secrets\nfrom or_audio_widgets import AudioChat\n"
        "_key = '-'.join(['sk', 'or', 'v1', secrets.token_hex(24)])\n"
        "schat = AudioChat(client=OpenRouterAudio(_key, base_url=_emu.base_url))\n"
        "schat.send('hello'); assert schat.wait(60)\n"
        "schat"
    )
    page.evaluate(
        "(c) => window.jupyterapp.commands.isToggled(c) || window.jupyterapp.commands.execute(c)", SAVE_STATE
    )
    page.wait_for_function("(c) => window.jupyterapp.commands.isToggled(c)", arg=SAVE_STATE, timeout=30_000)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
    text = (lab.root / NAME).read_text()
    state = json.loads(text)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    classes = [c for model in state.values() for c in model["state"].get("_dom_classes", [])]
    assert "ora-chat" in classes  # the chat's state was saved ...
    assert "Bearer" not in text and "sk-or-v1" not in text and "sk-or" not in text
    leaked = notebook_value(notebook, f"any(k in open({NAME!r}).read() for k in (_key, _key[-12:]))")
    assert leaked == "False"  # ... and the key was not
