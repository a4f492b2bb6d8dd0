"""Text the page shows is exactly the kernel's transcript, whatever it is made of: emoji (two UTF-16 units
each, and ZWJ sequences and flags of several), combining marks, right-to-left scripts, streamed through the
live player in JupyterLab both from the emulator (word by word) and in deltas that cut between the parts of
one grapheme; and the same when a delta is lost and the page asks for the rest from its own offset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import new_player, notebook_value, players, wait_done

pytestmark = pytest.mark.browser

# Pieces as a stream may cut them: a skin tone apart from its hand, an accent apart from its letter, a
# family and a flag whole, Arabic and Hebrew with Latin between, a character beyond the BMP at the end.
PIECES = ["Hello 👋", "🏽 cafe", "\u0301 and man\u0303", "ana 👨‍👩‍👧 ", "🇯🇵 — ", "مرحبا", " بالعالم / ",
          "שלום", " עולם. ", "Z\u0335\u0358algo, ", "𝄞 ✓"]  # fmt: skip
PROMPT = "Read this: 👋🏽 café, mañana, 👨‍👩‍👧 🇯🇵, مرحبا بالعالم, שלום עולם, 𝄞."


def page_text(page: Any, player_id: str) -> str:
    """The transcript as the page shows it (the view's text node), or its debug record once the view is
    gone."""
    return str(
        page.evaluate(
            """(id) => {
                const node = document.querySelector(`.ora-player[data-player-id="${id}"] .ora-transcript`);
                return node ? node.textContent : window.__orAudio.players[id].text;
            }""",
            player_id,
        )
    )


def test_emoji_combining_marks_and_right_to_left_text_reach_the_page_exactly(
    notebook: Any, artifacts: Path
) -> None:
    page = notebook.page
    before = players(page)
    feed = f"stream_into(pt, {PROMPT!r}, X_Emulator_Seconds=2)"
    cell = notebook.execute(f"pt = LivePlayer(); display(pt); rt = {feed}")
    streamed = new_player(page, before)
    wait_done(page, streamed)
    kernel = json.loads(notebook_value(notebook, "json.dumps(pt.transcript)"))
    assert PROMPT in kernel
    assert page_text(page, streamed) == kernel
    cell.screenshot(path=str(artifacts / "transcript_mixed_scripts.png"))

    before = players(page)
    code = f"""
pd = LivePlayer(); display(pd)
for piece in {PIECES!r}:
    pd.append_transcript(piece)
pd.finish(AudioReply(ReplyAudio.from_pcm(b"\\0\\0" * 4800), transcript=pd.transcript))
"""
    notebook.execute("from or_audio_widgets import AudioReply, ReplyAudio\n" + code)
    cut = new_player(page, before)
    wait_done(page, cut)
    assert page_text(page, cut) == "".join(PIECES)
    assert page.evaluate("(id) => window.__orAudio.players[id].textUpdates.length", cut) == len(PIECES)

    # A delta lost on the way: the page finds the gap at the next one and asks for the text from where its
    # own text ends, counted in its own units; the kernel cuts its transcript at that very place.
    before = players(page)
    code = f"""
pg = LivePlayer(); display(pg)
_send = pg.send
def _lossy(content, buffers=None):
    if content.get("t") == "text" and content["text"] == {PIECES[5]!r}:
        return  # lost
    _send(content, buffers=buffers)
pg.send = _lossy
for piece in {PIECES!r}:
    pg.append_transcript(piece)
pg.send = _send
"""
    notebook.execute(code)
    lossy = new_player(page, before)
    whole = "".join(PIECES)
    page.wait_for_function(
        "([id, n]) => window.__orAudio.players[id].textLength >= n", arg=[lossy, _js_length(whole)]
    )
    assert page_text(page, lossy) == whole
    notebook.execute("pg.finish(AudioReply(transcript=pg.transcript))")
    wait_done(page, lossy)
    assert page_text(page, lossy) == whole


def _js_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
