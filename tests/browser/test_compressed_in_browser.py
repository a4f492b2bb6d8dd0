"""A music model in JupyterLab: ``%%oraudio -m google/lyria-3-clip-preview`` composes, the song (one MP3 in
one event) plays live at its own rate and channels as soon as it arrives, and the saved player keeps the MP3.

The figure (ms from the song's event reaching the kernel to its first audio scheduled in the page, median of
5) is printed and written to test-artifacts/widget_figures.json (see the ``report`` fixture).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import (
    Report,
    audio_duration,
    contiguity_error,
    debug,
    new_player,
    notebook_value,
    players,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RUNS = 5
CLIP = "google/lyria-3-clip-preview"
SECONDS = 30  # a clip, as the live service makes them


def compose(notebook: Any, run: int, artifacts: Path) -> tuple[str, int]:
    """Run a music cell, wait for the whole song to be scheduled live, and Stop it (the cell would run on
    while the song plays); the live player's id and the cell's index, once the cell has ended."""
    page = notebook.page
    before = players(page)
    index = notebook.run(f"%%oraudio -m {CLIP}\nRun {run}: a bright pop song about the sun")
    player_id = new_player(page, before, timeout=60)
    page.wait_for_function(
        "([id, s]) => window.__orAudio.players[id].schedule.reduce((t, e) => t + e.duration, 0) > s - 0.02",
        arg=[player_id, SECONDS], timeout=30_000)
    cell = notebook.cell(index)
    if run == 0:  # all of it has arrived, and the cell goes on while it plays: the song is not cut short
        page.wait_for_timeout(1500)
        expect(cell.locator(".ora-player")).to_have_count(1)
        cell.screenshot(path=str(artifacts / "music_live.png"))
    cell.locator(".ora-stop-reply").click()
    notebook.wait(index, timeout=20)
    return player_id, index


def test_a_song_plays_live_at_its_own_layout_then_stays_as_its_mp3(
    notebook: Any, artifacts: Path, report: Report
) -> None:
    page = notebook.page
    # Paced like the service, 4x faster: the song comes after a few seconds of composing, as it does live
    # (about 10 s), so the decoder the magic starts with the request is ready when the song arrives.
    headers = json.dumps({"X-Emulator-Realtime": "4", "X-Emulator-Seconds": str(SECONDS)})
    notebook.execute(f"%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {headers}")
    latencies: list[float] = []
    codecs: list[str] = []  # how each song crossed to the page: Opus (at 48 kHz) or raw pcm16
    for run in range(RUNS):
        player_id, index = compose(notebook, run, artifacts)
        info = debug(page, player_id)
        codecs.append(info["codec"])
        arrived = float(notebook_value(notebook, "first_audio_at[-1]"))
        latencies.append(info["firstScheduled"] - arrived)
    seconds, rate, channels, lyrics = json.loads(notebook_value(
        notebook, "json.dumps([_oraudio.duration, _oraudio.sample_rate, _oraudio.channels, "
                  "[line.text for line in _oraudio.lyrics.lines]])"))
    assert (rate, channels) == (44100, 2)
    # The whole song was played live, back to back, from the MP3 decoded as it arrived.
    schedule = info["schedule"]
    assert sum(entry["duration"] for entry in schedule) == pytest.approx(seconds, abs=0.06)
    assert info["underruns"] == 0 and contiguity_error(schedule) < 1e-6
    cell = notebook.cell(index)
    saved_audio = cell.locator(".or-audio-reply audio")
    expect(cell.locator(".ora-player")).to_have_count(0, timeout=30_000)
    assert saved_audio.get_attribute("src", timeout=10_000).startswith("data:audio/mpeg;base64,SUQz")  # ID3
    assert audio_duration(saved_audio) == pytest.approx(seconds, abs=0.1)
    assert lyrics and lyrics[0] in cell.inner_text()
    # The lyrics follow the song: a click on a line plays from there, and that line is marked.
    line = cell.locator(".or-audio-follow li[data-start]").nth(1)
    start = float(line.get_attribute("data-start") or "nan")
    line.click()
    page.wait_for_function("(a) => a.currentTime > 0 && !a.paused", arg=saved_audio.element_handle(),
                           timeout=10_000)
    assert saved_audio.evaluate("(a) => a.currentTime") == pytest.approx(start, abs=0.6)
    expect(line).to_have_attribute("aria-current", "true", timeout=5_000)
    saved_audio.evaluate("(a) => a.pause()")
    cell.screenshot(path=str(artifacts / "music_done.png"))
    report(
        "music",
        {
            "song_seconds": round(seconds, 2),
            "layout": f"{rate} Hz, {channels} channels",
            # from the song's one event coming out of the client to the page scheduling its first audio
            "event_to_first_scheduled_ms": [round(x, 1) for x in latencies],
            "event_to_first_scheduled_median_ms": round(statistics.median(latencies), 1),
            "codecs": codecs,
        },
    )


# About a minute of speech, read by the speech endpoint as an MP3 that comes in chunks.
MINUTE = " ".join(["The river ran past the mill, and the miller counted every sack of grain twice."] * 12)


def test_an_mp3_from_the_speech_endpoint_plays_before_its_last_byte(
    notebook: Any, artifacts: Path, report: Report
) -> None:
    page = notebook.page
    notebook.execute("%load_ext or_audio_widgets")
    latencies: list[float] = []
    for run in range(3):
        before = players(page)
        index = notebook.run(  # paced at the speed of speech: the MP3's bytes come as it is read
            "player = LivePlayer()\ndisplay(player)\n"
            f"spoken = player.play(_client.open_speech({MINUTE!r}, format='mp3', "
            "headers={'X-Emulator-Realtime': '1'}))"
        )
        player_id = new_player(page, before, timeout=60)
        page.wait_for_function(
            "(id) => window.__orAudio.players[id].schedule.length > 0", arg=player_id, timeout=30_000)
        stop = notebook.cell(index).locator(".ora-stop-reply")
        if run == 0:
            notebook.cell(index).screenshot(path=str(artifacts / "speech_mp3_live.png"))
        stop.click()  # a minute of it is not needed: the first sound is what is measured
        notebook.wait(index, timeout=30)
        info = debug(page, player_id)
        arrived = float(notebook_value(notebook, "first_audio_at[-1]"))
        latencies.append(info["firstScheduled"] - arrived)
        fmt, rate, complete = json.loads(notebook_value(
            notebook, "json.dumps([spoken.format, spoken.sample_rate, spoken.complete])"))
        assert fmt == "mp3" and rate == 24000 and not complete  # stopped: what arrived is kept, as MP3
    report(
        "speech_mp3",
        {
            # from the MP3's first chunk coming out of the client to the page scheduling its first audio
            "first_chunk_to_first_scheduled_ms": [round(x, 1) for x in latencies],
            "first_chunk_to_first_scheduled_median_ms": round(statistics.median(latencies), 1),
        },
    )
