"""The live player over slow connections: JupyterLab's page behind Chromium's network emulation (latency,
throughput), with jitter, a stall and messages out of order made in the kernel (see ``_network.py``).

Each reply streams at the speed of speech (the emulator paced at real time, as a model speaks). The figures
(gaps, first sound, bytes per second of audio) go to test-artifacts/widget_figures.json; three runs of each
connection against the local baseline are ``benchmarks/network_playback.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from _browser_pages import Report, audio_duration, new_player, notebook_value, players
from _network import FAR, JITTERY, KERNEL, LOCAL, NEAR, Condition, Link, heard, oraudio_reply, reply_of

pytestmark = pytest.mark.browser

SAY = """
def say_into(player, text):
    def on_event(event):
        if isinstance(event, TranscriptDelta):
            player.append_transcript(event.text)
        elif isinstance(event, AudioDelta):
            player.append_pcm(event.data)
    reply = _client.say(text, on_event=on_event, headers={"X-Emulator-Realtime": "1"})
    player.finish(reply)
    return reply

ps = LivePlayer()
display(ps)
said = say_into(ps, "Read this sentence aloud over a slow connection, word for word, please.")
"""


@pytest.fixture
def network(notebook: Any) -> Iterator[Any]:
    """The notebook with the magics loaded at the speed of speech and the kernel's network queue."""
    notebook.execute(
        '%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {"X-Emulator-Realtime": "1.0"}'
    )
    if notebook.page.evaluate("() => !window.__networkKernel"):
        notebook.execute(KERNEL)
        notebook.page.evaluate("() => { window.__networkKernel = true; }")
    yield notebook


def over(notebook: Any, condition: Condition, code: str | None = None) -> dict[str, Any]:
    link = Link(notebook, condition)
    try:
        return oraudio_reply(notebook) if code is None else reply_of(notebook, code)
    finally:
        link.clear()


def played_whole(info: dict[str, Any]) -> None:
    """Every chunk of the reply was scheduled once, in order, back to back but for the gaps counted."""
    schedule = info["schedule"]
    assert [entry["seq"] for entry in schedule] == list(range(info["have"]))
    joins = [b["start"] - (a["start"] + a["played"]) for a, b in itertools.pairwise(schedule)]
    assert sum(1 for join in joins if join > 1e-6) <= info["underruns"]
    assert min(joins, default=0.0) > -1e-6  # nothing overlaps


def test_oraudio_replies_hold_on_slow_connections(network: Any, report: Report) -> None:
    found = {}
    for condition in (LOCAL, NEAR, FAR, JITTERY):
        info = over(network, condition)
        played_whole(info)
        found[condition.name] = heard(info)
    report("network_oraudio", found)
    local = found[LOCAL.name]
    assert local["gaps"] == 0 and found[NEAR.name]["gaps"] == 0
    assert found[FAR.name]["gaps"] <= 1
    # On a page fresh to a jittery link the first sound is sized from the one or two delays that came before
    # it: when the next message is held 150 ms longer than those, one gap, and the lead then covers the
    # jitter measured (the player recovers in one step). The compressed path's small messages show no
    # transfer time that would have widened the first estimate, as raw pcm16's 19 kB chunks did.
    assert found[JITTERY.name]["gaps"] <= 1
    # The whole reply played on every connection.
    assert {figures["audio_s"] for figures in found.values()} == {local["audio_s"]}
    # Jitter the page measured made it wait longer than the local lead, by stretching, not by a gap.
    assert found[JITTERY.name]["last_lead_s"] > local["last_lead_s"]


def test_say_and_a_chat_turn_hold_on_a_jittery_connection(network: Any, report: Report) -> None:
    said = over(network, JITTERY, SAY)
    played_whole(said)
    chat = "AudioChat(model='openai/gpt-audio-mini')"
    cell = network.execute(f"from or_audio_widgets import AudioChat\nnet_chat = {chat}\nnet_chat")
    cell.locator(".ora-chat textarea").fill("Please talk for a few seconds about slow networks.")
    link = Link(network, JITTERY)
    try:
        before = players(network.page)
        cell.locator("button.jupyter-button", has_text="Send").click()
        player_id = new_player(network.page, before)
        network.page.wait_for_function(
            "(id) => window.__orAudio.players[id].state === 'done'", arg=player_id, timeout=120_000
        )
        turn = dict(network.page.evaluate("(id) => window.__orAudio.players[id]", player_id))
    finally:
        link.clear()
    played_whole(turn)
    figures = {"say": heard(said), "chat_turn": heard(turn)}
    report("network_say_and_chat", figures)
    assert figures["say"]["gaps"] == 0 and figures["chat_turn"]["gaps"] == 0


def test_a_two_second_stall_waits_then_resumes_with_nothing_lost(network: Any, report: Report) -> None:
    network.execute("_net.update(stall_seq=6, stall_s=2.0)")
    info = over(network, NEAR)
    played_whole(info)
    # Audio ran out once while nothing came, and the player went on from where it was.
    assert info["underruns"] == 1 and info["gaps"][0]["late"] > 1.0
    assert info["have"] == info["scheduled"]
    seconds = float(notebook_value(network, "_oraudio.duration"))
    assert info["scheduledSeconds"] == pytest.approx(seconds, abs=1e-3)
    saved = network.cell(info["cell"]).locator(".or-audio-reply audio")
    assert audio_duration(saved) == pytest.approx(seconds, abs=0.05)  # the saved reply is whole
    report("network_stall", heard(info))


def test_chunks_out_of_order_and_duplicated_play_once_in_order(network: Any) -> None:
    """Raw pcm16 (a page without WebCodecs): one connection keeps its messages in order, so only raw chunks,
    which a reconnect's replay sends, can come twice or overtake one another."""
    network.execute("_net.update(swap_seq=4)")  # chunk 4 after chunk 5, then again as a replay would send it
    network.execute("import os; os.environ['OR_AUDIO_LIVE_COMPRESS'] = 'never'")
    try:
        info = over(network, LOCAL)
    finally:
        network.execute("os.environ.pop('OR_AUDIO_LIVE_COMPRESS', None)")
    played_whole(info)
    assert info["bytesReceived"] == info["bytes"] + len_of_chunk(info, 4)
    assert info["underruns"] <= 1  # chunk 4 came a chunk late: at most that one gap


def len_of_chunk(info: dict[str, Any], seq: int) -> int:
    entry = info["schedule"][seq]
    return round(entry["duration"] * 24000) * 2
