"""The live player's compressed path over slow connections: Opus decoded with WebCodecs in JupyterLab's page
behind Chromium's network emulation (see ``_network.py``), and the raw pcm16 path of a page without
WebCodecs (``AudioDecoder`` deleted before the page's scripts run) over the same connections.

Each reply streams at the speed of speech. The figures (gaps, first sound, bytes sent to the page per second
of audio against raw pcm16's 48,000) go to test-artifacts/widget_figures.json.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from _browser_pages import audio_duration, new_player, notebook_value, players
from _network import FAR, KERNEL, LOCAL, NEAR, Condition, Link, heard, oraudio_reply, reply_of
from conftest import Notebook, open_notebook

pytestmark = pytest.mark.browser

RAW_BYTES_PER_S = 48000  # pcm16 at 24 kHz mono, the reply's audio as it comes

SAY = """
ps = LivePlayer()
display(ps)
said = ps.play(_client.open_speech("Read this sentence aloud over a slow connection, word for word, please.",
                                   wire="pcm", headers={"X-Emulator-Realtime": "1"}))
"""


def _prepared(book: Notebook) -> Notebook:
    book.execute('%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {"X-Emulator-Realtime": "1.0"}')
    book.execute(KERNEL)
    return book


@pytest.fixture(scope="module")
def decoding(lab: Any, browser: Any) -> Iterator[Notebook]:
    """A notebook whose page decodes Opus (Chromium's WebCodecs)."""
    book = open_notebook(lab, browser, "compressed-link.ipynb", "lab/tree/compressed-link.ipynb?reset")
    try:
        yield _prepared(book)
    finally:
        book.page.close()


@pytest.fixture(scope="module")
def without_webcodecs(lab: Any, browser: Any) -> Iterator[Notebook]:
    """A notebook whose page has no WebCodecs: ``AudioDecoder`` is gone before any script of the page runs."""
    first = open_notebook(lab, browser, "raw-link.ipynb", "lab/tree/raw-link.ipynb?reset")  # kernel set up
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.add_init_script("delete window.AudioDecoder;")
    book = Notebook(page)
    try:
        first.page.close()
        page.goto(lab.url("lab/tree/raw-link.ipynb"), wait_until="domcontentloaded")  # the same kernel
        page.wait_for_function(
            """() => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const kernel = w && w.sessionContext && w.sessionContext.session
                    && w.sessionContext.session.kernel;
                return kernel && kernel.status === "idle" && w.content && w.content.model;
            }""",
            timeout=90_000,
        )
        assert page.evaluate("() => typeof window.AudioDecoder") == "undefined"
        yield _prepared(book)
    finally:
        page.close()


def over(book: Notebook, condition: Condition, mode: str, code: str | None = None) -> dict[str, Any]:
    """One reply over ``condition`` with the players' ``compress`` mode ``mode``: its debug record."""
    book.execute(f"import os; os.environ['OR_AUDIO_LIVE_COMPRESS'] = {mode!r}")
    link = Link(book, condition)
    try:
        info = oraudio_reply(book) if code is None else reply_of(book, code)
        # The last messages may still be decoding when the reply has ended (they play out): their record.
        page = book.page
        page.wait_for_function("(id) => window.__orAudio.players[id].decoding === 0", arg=info["id"])
        return {**page.evaluate("(id) => window.__orAudio.players[id]", info["id"]), "cell": info["cell"]}
    finally:
        link.clear()


def played_whole(info: dict[str, Any]) -> None:
    """Every chunk was scheduled once, in order, back to back but for the gaps counted."""
    schedule = info["schedule"]
    assert [entry["seq"] for entry in schedule] == list(range(info["have"]))
    joins = [b["start"] - (a["start"] + a["played"]) for a, b in itertools.pairwise(schedule)]
    assert sum(1 for join in joins if join > 1e-6) <= info["underruns"]
    assert min(joins, default=0.0) > -1e-6


def figures(info: dict[str, Any]) -> dict[str, Any]:
    found = heard(info)
    found["codec"] = info["codec"]
    found["share_of_raw"] = round(found["bytes_per_audio_s"] / RAW_BYTES_PER_S, 3)
    return found


def test_compressed_replies_hold_and_send_a_quarter_of_raw_at_most(decoding: Any, report: Any) -> None:
    runs = [("local, raw", LOCAL, "never"), ("local, opus", LOCAL, "always"), (NEAR.name, NEAR, "always"),
            (FAR.name, FAR, "always"), (f"{FAR.name}, auto", FAR, "auto")]
    found = {}
    for name, condition, mode in runs:
        info = over(decoding, condition, mode)
        played_whole(info)
        found[name] = figures(info)
        # Every sample of the reply was scheduled live, the encoder's last ~40 ms included: they reach the
        # page before the saved output takes the live player's place.
        seconds = float(notebook_value(decoding, "_oraudio.duration"))
        assert info["scheduledSeconds"] == pytest.approx(seconds, abs=1e-3), name
    report("compressed_link_oraudio", found)
    assert found["local, raw"]["codec"] == "pcm"
    assert {found[name]["codec"] for name, _, mode in runs if mode != "never"} == {"opus"}
    assert found["local, opus"]["gaps"] == 0 and found[NEAR.name]["gaps"] == 0
    assert found[FAR.name]["gaps"] <= 1 and found[f"{FAR.name}, auto"]["gaps"] <= 1
    for name in ("local, opus", NEAR.name, FAR.name):
        assert found[name]["share_of_raw"] <= 0.25, (name, found[name])


def test_a_compressed_say_keeps_a_whole_file_in_the_page(decoding: Any, report: Any) -> None:
    info = over(decoding, FAR, "always", SAY)
    played_whole(info)
    assert info["codec"] == "opus" and info["state"] == "done"
    seconds = float(notebook_value(decoding, "said.duration"))
    assert info["scheduledSeconds"] == pytest.approx(seconds, abs=1e-3)
    # The page's file is made from the decoded chunks: the whole reply, as a WAV.
    saved = decoding.cell(info["cell"]).locator(".ora-final audio")
    assert audio_duration(saved) == pytest.approx(seconds, abs=0.01)
    report("compressed_link_say", figures(info))


def test_a_page_without_webcodecs_gets_raw_pcm_with_the_same_gaps(
    without_webcodecs: Any, report: Any
) -> None:
    found = {}
    for condition in (LOCAL, NEAR, FAR):
        info = over(without_webcodecs, condition, "always")
        played_whole(info)
        assert info["codec"] == "pcm" and info["codecs"] == []
        found[condition.name] = figures(info)
    report("compressed_link_without_webcodecs", found)
    assert found[LOCAL.name]["gaps"] == 0 and found[NEAR.name]["gaps"] == 0 and found[FAR.name]["gaps"] <= 1
    assert {f["audio_s"] for f in found.values()} == {found[LOCAL.name]["audio_s"]}
    assert all(f["share_of_raw"] >= 1.0 for f in found.values())  # raw: each byte of pcm16 and some JSON


def test_opus_reaches_a_player_only_where_the_page_can_decode_it(decoding: Any) -> None:
    """The page's codecs as the kernel heard them (the "link" message), both ways."""
    before = players(decoding.page)
    decoding.execute("probe = LivePlayer()\ndisplay(probe)")
    player_id = new_player(decoding.page, before)
    decoding.page.wait_for_function("(id) => window.__orAudio.players[id].codecs !== null", arg=player_id)
    assert decoding.page.evaluate("(id) => window.__orAudio.players[id].codecs", player_id) == ["opus"]
    # The page's message comes to the kernel between cells: a few tries at most.
    heard_codecs = [notebook_value(decoding, "sorted(probe._link.codecs)") for _ in range(3)]
    assert "['opus']" in heard_codecs


def test_a_fresh_local_page_measures_its_link_from_the_players_code_and_then_gets_raw_pcm(
    lab: Any, browser: Any
) -> None:
    """A page's first player carries the player's code (about 40 kB): its transfer measures the link before
    any audio (a figure near the line between raw and Opus, as the page's own start of its first widget
    counts too, is measured once more by the next player). A local page is fast, so raw pcm16 (no encoding)
    is cheaper there: the kernel remembers the figure, and the replies after that go raw. Later players carry
    a small loader instead of the code."""
    book = open_notebook(lab, browser, "fresh-link.ipynb", "lab/tree/fresh-link.ipynb?reset")
    try:
        _prepared(book)
        book.execute("from or_audio_widgets.jupyter.widgets import _player, _player_link")
        for _ in range(2):
            info = oraudio_reply(book)
            book.page.wait_for_function("(id) => window.__orAudio.players[id].linkBps !== null",
                                        arg=info["id"])
        bps = float(notebook_value(book, "_player_link._LAST_PAGE.get('bps', 0)"))
        assert bps > 4 * RAW_BYTES_PER_S  # raw pcm16 takes under a quarter of it
        last = oraudio_reply(book)
        assert last["codec"] == "pcm" and last["underruns"] == 0
        assert int(notebook_value(book, "len(_player.LivePlayer()._esm)")) < 4000
    finally:
        book.page.close()
