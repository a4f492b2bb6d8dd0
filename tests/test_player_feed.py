"""The one way a reply reaches a live player (widgets/_feed.PlayerFeed): pcm16 as it comes, compressed audio
decoded while it arrives at its own rate and channels, and what cannot play said once, never a crash."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from or_audio_widgets.core import _live_decode
from or_audio_widgets.core._events import AudioDelta, End, TranscriptDelta
from or_audio_widgets.core._mp3 import mp3_layout
from or_audio_widgets.emulator._music import song_mp3
from or_audio_widgets.jupyter.widgets._feed import PlayerFeed, feed


class Player:
    """What PlayerFeed uses of a LivePlayer, recording when each piece came."""

    def __init__(self) -> None:
        self.sample_rate, self.channels = 24000, 1
        self.pcm = bytearray()
        self.words: list[str] = []
        self.first_pcm_at: float | None = None
        self.lock = threading.Lock()

    def use_layout(self, sample_rate: int, channels: int = 1, source_rate: int | None = None) -> None:
        if self.pcm:
            raise RuntimeError("already playing")
        self.sample_rate, self.channels = sample_rate, channels

    def append_pcm(self, data: bytes) -> None:
        with self.lock:
            if self.first_pcm_at is None:
                self.first_pcm_at = time.monotonic()
            self.pcm += data

    def append_transcript(self, text: str) -> None:
        self.words.append(text)

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.sample_rate * self.channels)


def test_pcm16_goes_through_as_it_comes_at_the_players_layout() -> None:
    player = Player()
    pcm = (b"\x01\x00\xff\xff" * 6000)
    playing = feed([TranscriptDelta("Hi"), AudioDelta(pcm[:9600]), AudioDelta(pcm[9600:]), End(None, True)],
                   player)
    assert playing.kind == "pcm16" and bytes(player.pcm) == pcm and player.words == ["Hi"]
    assert (player.sample_rate, player.channels) == (24000, 1) and playing.note is None


def test_a_song_in_one_event_plays_at_its_own_rate_and_channels() -> None:
    song = song_mp3(3.0)
    layout = mp3_layout(song)
    assert layout is not None
    player = Player()
    playing = feed([TranscriptDelta("[0.5:2.5] SUN"), AudioDelta(song), End(None, True)], player)
    assert playing.kind == "mp3" and playing.note is None
    assert (player.sample_rate, player.channels) == (44100, 2)
    # every frame decoded; ffmpeg drops the encoder's padding, so the live audio is the song's length
    assert player.seconds == pytest.approx(layout.seconds, abs=0.06)
    assert len(player.pcm) % 4 == 0  # whole stereo frames: no sample shifted between the channels


def test_an_mp3_in_chunks_plays_before_its_last_byte() -> None:
    song = song_mp3(6.0)
    player = Player()
    playing = PlayerFeed(player)
    step = len(song) // 12
    for at in range(0, len(song), step):
        playing.audio(song[at:at + step])
        time.sleep(0.05)  # the bytes of a reply paced by the network
    heard_before_the_end = len(player.pcm)
    playing.close()
    assert heard_before_the_end > 0, "nothing was decoded before the last chunk"
    assert player.seconds == pytest.approx(mp3_layout(song).seconds, abs=0.06)  # type: ignore[union-attr]


def test_an_mp3_cut_mid_frame_plays_what_decodes() -> None:
    song = song_mp3(3.0)
    cut = song[: len(song) * 2 // 3 + 77]
    player = Player()
    playing = feed([AudioDelta(cut), End(None, False)], player)
    assert playing.kind == "mp3" and 1.5 < player.seconds < 2.2


def test_bytes_that_are_no_audio_are_said_once_and_nothing_plays() -> None:
    player = Player()
    notes: list[str] = []
    playing = PlayerFeed(player, on_note=notes.append)
    for _ in range(3):
        playing.take(AudioDelta(b'{"error": "this is text, not audio at all"}' * 4))
    playing.take(End(None, False))
    assert playing.kind == "bin" and not player.pcm
    assert len(notes) == 1 and "cannot play live" in notes[0]


def test_without_ffmpeg_the_live_player_says_why_and_the_reply_is_untouched(monkeypatch: Any) -> None:
    monkeypatch.setattr(_live_decode, "find_ffmpeg", lambda: None)
    player = Player()
    notes: list[str] = []
    playing = PlayerFeed(player, on_note=notes.append)
    playing.take(AudioDelta(song_mp3(3.0)))
    playing.take(End(None, True))
    assert not player.pcm and notes and "needs ffmpeg" in notes[0] and "saved player" in notes[0]


def test_a_stopped_reply_decodes_nothing_more() -> None:
    player = Player()
    playing = PlayerFeed(player)
    song = song_mp3(6.0)
    playing.audio(song[: len(song) // 4])
    playing.abort()
    before = len(player.pcm)
    playing.audio(song[len(song) // 4:])
    playing.close()
    time.sleep(0.1)
    assert len(player.pcm) == before


def test_a_decoder_started_before_the_song_plays_it_at_the_songs_layout() -> None:
    player = Player()
    playing = PlayerFeed(player, expect="mp3")  # a music model: ready before the song arrives
    song = song_mp3(3.0)
    playing.take(AudioDelta(song))
    playing.take(End(None, True))
    assert (player.sample_rate, player.channels) == (44100, 2)
    assert player.seconds == pytest.approx(mp3_layout(song).seconds, abs=0.06)  # type: ignore[union-attr]


def test_a_decoder_started_for_a_song_that_comes_as_pcm_is_let_go() -> None:
    player = Player()
    playing = PlayerFeed(player, expect="mp3")
    early = playing._early
    pcm = b"\x10\x00" * 24000
    playing.take(AudioDelta(pcm))
    playing.take(End(None, True))
    assert bytes(player.pcm) == pcm and playing.kind == "pcm16"
    assert early is not None and early._proc is not None and early._proc.poll() is not None  # ffmpeg gone


@pytest.mark.parametrize("early", [True, False], ids=["decoder started early", "decoder started on arrival"])
def test_a_song_goes_to_a_page_that_decodes_opus_compressed_at_48_khz(early: bool) -> None:
    """A song's 44.1 kHz pcm (176 kB per second) would fill a slow link: where the player sends Opus it is
    decoded here at 48 kHz, which Opus carries, and crosses the link at a small share of its raw size."""
    from _widget_helpers import Sent, front_end

    from or_audio_widgets import AudioReply, ReplyAudio
    from or_audio_widgets.jupyter.widgets import _player_link
    from or_audio_widgets.jupyter.widgets._player import LivePlayer

    _player_link._LAST_PAGE.clear()
    try:
        player = LivePlayer(compress="always")
        sent = Sent(player)
        front_end(player, {"t": "ready", "have": 0, "text_len": 0, "codecs": ["opus"]})
        playing = PlayerFeed(player, expect="mp3" if early else None)
        song = song_mp3(3.0)
        playing.take(AudioDelta(song))
        playing.take(End(None, True))
        assert (player.sample_rate, player.channels) == (48000, 2) and player.compressed
        assert len(player.pcm) / (4 * 48000) == pytest.approx(3.0, abs=0.06)
        kinds = {c["t"] for c, _ in sent.messages if c["t"] in ("pcm", "opus")}
        assert kinds == {"opus"}
        assert player.traffic["buffers"] < len(player.pcm) / 10
        opus = [c for c, _ in sent.messages if c["t"] == "opus"]
        assert opus[0]["upto"] <= 0.1 * 48000 + 960  # a short first message: it plays once decoded
        # The reply keeps its MP3 (44.1 kHz); the page's file is what streamed, not sent again raw.
        player.finish(AudioReply(ReplyAudio.from_file(song, "mp3")))
        assert not any(c["t"] == "replace" for c, _ in sent.messages)
    finally:
        _player_link._LAST_PAGE.clear()
