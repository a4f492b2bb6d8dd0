"""LivePlayer's compressed path: Opus where the page can decode it and its connection is slow, raw pcm16
otherwise, the reply's pcm unchanged and every message's pcm kept for a replay."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from _widget_helpers import Sent, front_end, tone

from or_audio_widgets import AudioReply, ReplyAudio
from or_audio_widgets.jupyter._widgets import LivePlayer
from or_audio_widgets.jupyter.widgets import _player_link

OPUS_PAGE = {"t": "ready", "have": 0, "text_len": 0, "codecs": ["opus"]}
RAW_RATE = 48000  # bytes per second of pcm16 at 24 kHz mono


@pytest.fixture(autouse=True)
def _no_page_heard_before() -> Iterator[None]:
    """Players start with what the kernel's last page said: each test starts with no page heard."""
    _player_link._LAST_PAGE.clear()
    yield
    _player_link._LAST_PAGE.clear()


def _audio(sent: Sent) -> list[tuple[dict[str, Any], list[bytes]]]:
    return [(c, b) for c, b in sent.messages if c["t"] in ("pcm", "opus")]


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    """Compressed messages go from the encoder's thread: wait until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _reply(pcm: bytes) -> AudioReply:
    return AudioReply(ReplyAudio.from_pcm(pcm))


def test_a_page_that_decodes_opus_gets_it_as_the_pcm_arrives_and_a_quarter_of_the_bytes_at_most() -> None:
    player = LivePlayer(compress="always")
    sent = Sent(player)
    front_end(player, OPUS_PAGE)
    chunks = [tone(0.4) for _ in range(10)]
    player.append_pcm(chunks[0])
    # The first chunk's packets go before the next chunk comes (not only when the reply ends).
    _wait_for(lambda: any(c["t"] == "opus" for c, _ in sent.messages))
    for chunk in chunks[1:]:
        player.append_pcm(chunk)
    player.finish(_reply(b"".join(chunks)))
    audio = _audio(sent)
    assert {c["t"] for c, _ in audio} == {"opus"} and player.compressed
    assert [c["seq"] for c, _ in audio] == list(range(len(audio)))
    # Each message names the frames it completes, one after the other, up to the last frame sent.
    frames = [(c["first"], c["upto"]) for c, _ in audio]
    assert frames[0][0] == 0 and frames[-1][1] == 10 * 9600
    assert all(a[1] == b[0] for a, b in itertools.pairwise(frames))
    assert all(len(b[0]) == sum(c["sizes"]) for c, b in audio)  # one buffer: the packets end to end
    end = sent.messages[-1][0]
    assert end["t"] == "finish" and end["chunks"] == len(audio) and "transcript" not in end
    # The reply and the player keep the exact pcm; the page got about 1/12 of its bytes.
    assert player.pcm == b"".join(chunks)
    traffic = player.traffic
    assert traffic["pcm"] == 10 * 19200
    assert (traffic["buffers"] + traffic["json"]) / traffic["pcm"] <= 0.25
    assert traffic["buffers"] / traffic["pcm"] < 1 / 8


def test_a_replay_of_compressed_messages_is_their_exact_pcm() -> None:
    player = LivePlayer(compress="always")
    sent = Sent(player)
    front_end(player, OPUS_PAGE)
    chunks = [tone(0.3) for _ in range(4)]
    for chunk in chunks:
        player.append_pcm(chunk)
    player.finish(_reply(b"".join(chunks)))
    count = len(_audio(sent))
    front_end(player, {"t": "need", "from": 0, "text_from": 0})
    replay, buffers = next((c, b) for c, b in sent.messages if c.get("replay"))
    assert replay == {"t": "pcm", "seq": 0, "replay": True}
    assert len(buffers) == count and b"".join(buffers) == b"".join(chunks)


@pytest.mark.parametrize(
    ("mode", "page", "compressed"),
    [
        ("auto", {"codecs": ["opus"]}, True),  # nothing measured: a slow link would cost more than encoding
        ("auto", {"codecs": ["opus"], "bps": 10_000_000}, False),  # a local page
        ("auto", {"codecs": ["opus"], "bps": 75_000}, True),  # 600 kbit/s: raw would take 64 %
        ("auto", {"codecs": [], "bps": 75_000}, False),  # a browser without WebCodecs
        ("always", {"codecs": []}, False),
        ("never", {"codecs": ["opus"], "bps": 75_000}, False),
    ],
)
def test_the_page_and_the_mode_choose_the_path(mode: str, page: dict[str, Any], compressed: bool) -> None:
    player = LivePlayer(compress=mode)
    sent = Sent(player)
    front_end(player, {"t": "ready", "have": 0, "text_len": 0, **page})
    player.append_pcm(tone(0.4))
    player.finish(_reply(tone(0.4)))
    assert {c["t"] for c, _ in _audio(sent)} == ({"opus"} if compressed else {"pcm"})
    assert player.compressed is compressed


def test_a_slow_link_measured_mid_reply_turns_the_rest_compressed() -> None:
    player = LivePlayer(compress="auto")
    sent = Sent(player)
    front_end(player, {**OPUS_PAGE, "bps": 10_000_000})  # the page was on a fast link
    player.append_pcm(tone(0.4))
    front_end(player, {"t": "link", "bps": 60_000})  # the page measured its first chunk's crossing
    player.append_pcm(tone(0.4))
    player.append_pcm(tone(0.4))
    player.finish(_reply(tone(0.4) * 3))
    audio = _audio(sent)
    assert audio[0][0]["t"] == "pcm" and {c["t"] for c, _ in audio[1:]} == {"opus"}
    assert [c["seq"] for c, _ in audio] == list(range(len(audio)))
    assert audio[1][0]["first"] == 0 and audio[-1][0]["upto"] == 2 * 9600  # the encoder counts from its start


def test_a_page_whose_decoder_fails_gets_the_rest_raw_and_nothing_is_lost() -> None:
    player = LivePlayer(compress="always")
    sent = Sent(player)
    front_end(player, OPUS_PAGE)
    chunks = [tone(0.4) for _ in range(3)]
    player.append_pcm(chunks[0])
    _wait_for(lambda: bool(_audio(sent)))
    front_end(player, {"t": "link", "codecs": []})
    for chunk in chunks[1:]:
        player.append_pcm(chunk)
    player.finish(_reply(b"".join(chunks)))
    audio = _audio(sent)
    assert audio[-1][0]["t"] == "pcm" and not player.compressed
    # Sequence numbers stay whole, and the messages' pcm adds up to the reply's.
    assert [c["seq"] for c, _ in audio] == list(range(len(audio)))
    assert b"".join(player._chunks) == b"".join(chunks)


def test_an_encoder_started_early_follows_a_new_layout() -> None:
    player = LivePlayer(compress="always")
    Sent(player)
    front_end(player, OPUS_PAGE)  # starts the encoder for 24 kHz mono
    player.use_layout(48000, 2)
    player.append_pcm(tone(0.2) * 2)
    player.finish(AudioReply(ReplyAudio.from_pcm(tone(0.2) * 2, 48000, 2)))
    assert player.compressed and player.pcm == tone(0.2) * 2


def test_feeding_from_another_thread_while_compressed_keeps_the_order() -> None:
    player = LivePlayer(compress="always")
    sent = Sent(player)
    front_end(player, OPUS_PAGE)
    chunks = [tone(0.1) for _ in range(20)]
    feeder = threading.Thread(target=lambda: [player.append_pcm(c) for c in chunks])
    feeder.start()
    feeder.join()
    player.finish(_reply(b"".join(chunks)))
    audio = _audio(sent)
    assert [c["seq"] for c, _ in audio] == list(range(len(audio)))
    assert audio[-1][0]["upto"] == 20 * 2400


def test_a_new_player_starts_with_what_the_last_page_said() -> None:
    first = LivePlayer(compress="always")
    Sent(first)
    front_end(first, OPUS_PAGE)
    first.close()
    player = LivePlayer(compress="always")
    sent = Sent(player)
    player.append_pcm(tone(0.4))  # before its own page has answered
    player.finish(_reply(tone(0.4)))
    assert {c["t"] for c, _ in _audio(sent)} == {"opus"}


def test_compression_decided_by_the_link_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OR_AUDIO_LIVE_COMPRESS", raising=False)
    assert LivePlayer().compress == "auto"
    monkeypatch.setenv("OR_AUDIO_LIVE_COMPRESS", "never")
    assert LivePlayer().compress == "never"


def test_a_new_player_starts_with_the_throughput_the_last_page_measured() -> None:
    first = LivePlayer()
    Sent(first)
    front_end(first, {**OPUS_PAGE, "bps": 10_000_000})  # a page on a fast link: raw is cheaper there
    first.close()
    player = LivePlayer()
    sent = Sent(player)
    player.append_pcm(tone(0.4))
    player.finish(_reply(tone(0.4)))
    assert {c["t"] for c, _ in _audio(sent)} == {"pcm"}


def test_a_page_that_holds_the_player_code_gets_a_small_loader_and_the_code_when_it_asks() -> None:
    from or_audio_widgets.jupyter.widgets._player import CODE_VERSION, PLAYER_MODULE

    first = LivePlayer()
    Sent(first)
    assert first._esm == PLAYER_MODULE  # nothing heard of the page yet: the code comes with the player
    front_end(first, {**OPUS_PAGE, "code": CODE_VERSION})
    player = LivePlayer()
    sent = Sent(player)
    assert len(player._esm) < len(PLAYER_MODULE) / 10 and CODE_VERSION in player._esm
    front_end(player, {"t": "code", "hash": CODE_VERSION})  # a page that lacks it after all (reloaded)
    (content, buffers), = sent.messages
    assert content == {"t": "code", "hash": CODE_VERSION} and buffers == [PLAYER_MODULE.encode()]


@pytest.mark.parametrize("ending", ["end", "cut", "interrupted"])
def test_the_encoders_tail_reaches_the_page_before_the_saved_output_takes_the_players_place(
    ending: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The magic's cell end: the reply ends (its End event; a stream cut by an error; Ctrl-C), then the saved
    output replaces the live one and the page lets go of the player's view. Every frame must be on its way by
    then: what reaches a view that has gone is not played."""
    import IPython.display

    from or_audio_widgets.core._events import AudioDelta, End, TranscriptDelta
    from or_audio_widgets.jupyter.magics._display import LiveDisplay

    player = LivePlayer(compress="always")
    sent = Sent(player)
    front_end(player, OPUS_PAGE)
    at_clear: list[int] = []

    def sent_frames() -> int:
        return max((c["upto"] for c, _ in _audio(sent) if c["t"] == "opus"), default=0)

    monkeypatch.setattr(IPython.display, "clear_output", lambda wait=False: at_clear.append(sent_frames()))
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: None)
    live = LiveDisplay("openai/gpt-audio-mini", player=player)
    chunks = [tone(0.4) for _ in range(3)]
    live.feed(TranscriptDelta("Hello there."))
    for chunk in chunks:
        live.feed(AudioDelta(chunk))
    if ending == "end":
        live.feed(End("stop", done=True))
    elif ending == "interrupted":
        live.stop_audio()
    live.finish({"text/plain": "the saved reply"})
    assert at_clear == [3 * 9600]  # the last ~22 ms the encoder held included
    assert b"".join(player._chunks) == b"".join(chunks)


def test_a_link_measured_near_the_line_is_measured_once_more_with_the_code() -> None:
    from or_audio_widgets.jupyter.widgets._player import CODE_VERSION, PLAYER_MODULE

    first = LivePlayer()
    Sent(first)
    front_end(first, {**OPUS_PAGE, "code": CODE_VERSION})
    front_end(first, {"t": "link", "bps": 180_000})  # the page's first figure: near the line
    assert LivePlayer()._esm == PLAYER_MODULE  # the next player brings the code again, to measure it
    second = LivePlayer()
    Sent(second)
    front_end(second, {**OPUS_PAGE, "code": CODE_VERSION, "bps": 150_000})
    assert len(LivePlayer()._esm) < 4000  # once: a slow-ish link is not asked to carry it every reply
