"""A reply at another rate than 24 kHz (a speech provider's native rate) plays at its own pitch live: the
LivePlayer learns the layout before its first chunk, from the stream (``play``) or from the magic, and the
file at the end is made with the reply's own layout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from _widget_helpers import Sent, tone

from or_audio_widgets import AudioReply, OpenRouterAudio, ReplyAudio
from or_audio_widgets.jupyter._widgets import LivePlayer

RATE = {"X-Emulator-Speech-Rate": "16000"}


def test_the_layout_is_set_before_the_first_chunk_and_never_after() -> None:
    player = LivePlayer()
    player.use_layout(16000, 2)
    assert (player.sample_rate, player.channels) == (16000, 2)
    assert player.get_state()["channels"] == 2  # synced: the page builds its buffers and file with it
    player.append_pcm(tone(0.1))
    player.use_layout(16000, 2)  # the same layout again changes nothing
    with pytest.raises(RuntimeError, match="before the first append_pcm"):
        player.use_layout(24000, 1)
    assert (player.sample_rate, player.channels) == (16000, 2)


@pytest.mark.parametrize(("rate", "channels", "match"), [
    (0, 1, "sample_rate"), (-8000, 1, "sample_rate"), (16000.5, 1, "sample_rate"), (24000, 0, "channels"),
    (24000, 9, "channels"),
])  # fmt: skip
def test_a_layout_that_cannot_be_is_refused(rate: Any, channels: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LivePlayer(sample_rate=rate, channels=channels)
    with pytest.raises(ValueError, match=match):
        LivePlayer().use_layout(rate, channels)


def test_a_stereo_chunk_is_cut_on_whole_frames() -> None:
    player = LivePlayer(channels=2)
    sent = Sent(player)
    player.append_pcm(b"\x01\x02\x03\x04\x05\x06")  # a frame and a half
    player.append_pcm(b"\x07\x08")
    player.append_pcm(b"\x09")
    assert [bufs[0] for _, bufs in sent.messages] == [b"\x01\x02\x03\x04", b"\x05\x06\x07\x08"]


def test_a_reply_fed_at_the_wrong_rate_ends_as_a_file_at_its_own() -> None:
    player = LivePlayer()  # 24 kHz, as a script that does not know the reply's rate would make it
    pcm = tone(0.5, rate=16000)
    player.append_pcm(pcm)
    sent = Sent(player)
    player.finish(AudioReply(ReplyAudio.from_pcm(pcm, sample_rate=16000)))
    assert sent.kinds() == ["replace", "finish"]
    assert (player.sample_rate, player.channels) == (16000, 1)
    assert sent.messages[0][1] == [pcm]


def test_play_takes_the_rate_of_a_speech_reply_before_its_first_chunk(emulator: Any) -> None:
    client = OpenRouterAudio("k", base_url=emulator.base_url)
    player = LivePlayer()
    seen: list[int] = []
    player.send = lambda content, buffers=None: seen.append(player.sample_rate)  # type: ignore[method-assign]
    reply = player.play(client.open_speech("Read this at sixteen kilohertz.", wire="pcm", headers=RATE))
    assert reply.complete and reply.sample_rate == 16000
    assert seen and set(seen) == {16000}  # every chunk went out with the page already told
    assert player.pcm == reply.pcm
    assert len(player.pcm) / 2 / player.sample_rate == pytest.approx(reply.duration)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "OR_AUDIO_OFFLINE": "1", "OR_AUDIO_EMULATOR_REALTIME": "0"}
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.timeout(120)
def test_the_magics_live_player_is_told_the_speech_rate_before_any_audio(kernel: Any) -> None:
    setup = ("%load_ext or_audio_widgets\n%config OrAudioMagics.live_player = 'on'\n"
             f"%config OrAudioMagics.headers = {RATE}")
    kernel.execute_interactive(setup, timeout=60)
    events: list[tuple[str, Any]] = []  # what the page would see of the player, in order

    def watch(msg: dict[str, Any]) -> None:
        content, kind = msg["content"], msg["msg_type"]
        if kind == "comm_open" and "player_id" in content["data"].get("state", {}):
            events.append(("open", content["data"]["state"]["sample_rate"]))
        elif kind == "comm_msg" and content["data"].get("method") == "update":
            if "sample_rate" in content["data"]["state"]:
                events.append(("rate", content["data"]["state"]["sample_rate"]))
        elif kind == "comm_msg" and content["data"].get("method") == "custom":
            events.append(("msg", content["data"]["content"]["t"]))

    kernel.execute_interactive("%%oraudio --say\nA sentence read at sixteen kilohertz.", timeout=60,
                               output_hook=watch)
    kinds = [kind for kind, _ in events]
    assert events[:2] == [("open", 24000), ("rate", 16000)], events[:4]
    assert "msg" not in kinds[:2] and ("msg", "pcm") in events  # told before the first chunk
    assert ("rate", 24000) not in events
