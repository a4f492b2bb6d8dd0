"""The streaming display (throttled, linear in the transcript) and the saved record's embed policy."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from _client_helpers import wav_seconds
from _magics_support import Recorded, RecordingPublisher, audio_uris, decoded_seconds

from or_audio_widgets import (
    AudioDelta,
    AudioReply,
    End,
    KeepAlive,
    ReplyAudio,
    ReplyOrigin,
    ReplyOutcome,
    Started,
    TextDelta,
    TranscriptDelta,
)
from or_audio_widgets.jupyter import _saved
from or_audio_widgets.jupyter.magics import _display


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shell_rec(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    from IPython.testing.globalipapp import get_ipython

    recorded = Recorded()
    monkeypatch.setattr(get_ipython(), "display_pub", RecordingPublisher(recorded))
    return recorded


def _speech_pcm(seconds: float, rate: int = 24000) -> bytes:
    out = bytearray()
    for n in range(int(seconds * rate)):
        out += int(8000 * math.sin(2 * math.pi * 220 * n / rate) * (0.5 + 0.5 * math.sin(n / 3000))).to_bytes(
            2, "little", signed=True)
    return bytes(out)


def test_updates_are_throttled_and_text_is_sent_once(shell_rec: Recorded, capsys: Any) -> None:
    clock = FakeClock()
    live = _display.LiveDisplay("m", clock=clock)
    live.start()
    words = [f"w{i} " for i in range(2000)]
    per_second: dict[int, int] = {}
    for i, word in enumerate(words):  # 2,000 deltas over 60 s, plus audio
        clock.now = 60.0 * i / len(words)
        before = live.updates
        live.feed(TranscriptDelta(word))
        live.feed(AudioDelta(b"\0" * 1440))
        per_second[int(clock.now)] = per_second.get(int(clock.now), 0) + live.updates - before
    clock.now = 60.0
    live.feed(End(finish_reason="stop", done=True))
    assert capsys.readouterr().out == "".join(words)  # every piece once, in order
    assert max(per_second.values()) <= 15  # in every second of the reply, not only on average
    assert live.updates <= 15 * 60 + 2
    status = [m for m in shell_rec.displays() if m["update"]]
    assert len(status) <= 5 * 60 + 1
    assert "60.0 s of audio received" in status[-1]["data"]["text/plain"]


def test_waiting_for_the_provider_while_only_keepalives_arrive(shell_rec: Recorded) -> None:
    clock = FakeClock()
    live = _display.LiveDisplay("openai/gpt-4o-audio-preview", clock=clock, notice="offline emulator")
    live.start()
    first = shell_rec.displays()[0]["data"]["text/plain"]
    assert "waiting for the provider" in first and "offline emulator" in first
    clock.now = 1.0
    live.feed(KeepAlive(": OPENROUTER PROCESSING"))
    assert "waiting for the provider" in shell_rec.displays()[-1]["data"]["text/plain"]
    clock.now = 2.0
    live.feed(Started(id="g", model="openai/gpt-audio", provider=None))
    clock.now = 2.5
    live.feed(TranscriptDelta("Hello"))
    last = shell_rec.displays()[-1]["data"]
    assert "waiting" not in last["text/plain"] and "openai/gpt-audio" in last["text/plain"]
    assert "<" not in last["text/html"].split(">", 1)[1].split("</div>")[0]  # the status is escaped text


def test_status_html_is_escaped(shell_rec: Recorded) -> None:
    live = _display.LiveDisplay("<script>x</script>")
    live.start()
    assert "&lt;script&gt;" in shell_rec.displays()[0]["data"]["text/html"]


class FakePlayer:
    sample_rate, channels = 24000, 1

    def __init__(self) -> None:
        self.text: list[str] = []
        self.pcm = bytearray()

    def append_transcript(self, text: str) -> None:
        self.text.append(text)

    def append_pcm(self, data: bytes) -> None:
        self.pcm += data

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/plain": "LivePlayer"}


def test_a_live_player_gets_the_words_and_audio_in_batches(shell_rec: Recorded, capsys: Any) -> None:
    clock, player = FakeClock(), FakePlayer()
    live = _display.LiveDisplay("m", clock=clock, player=player)
    live.start()
    for i in range(100):
        clock.now = i * 0.01
        live.feed(TranscriptDelta("a"))
        live.feed(AudioDelta(b"\1\0"))
    live.flush()
    assert "".join(player.text) == "a" * 100 and len(player.text) <= 12
    assert bytes(player.pcm) == b"\1\0" * 100 and capsys.readouterr().out == ""


def test_a_songs_lyrics_reach_the_live_player_as_timed_lines_not_raw_stamps(shell_rec: Recorded) -> None:
    clock, player = FakeClock(), FakePlayer()
    live = _display.LiveDisplay("google/lyria-3-clip-preview", clock=clock, player=player, music=True)
    live.start()
    clock.now = 1.0
    live.feed(TextDelta("[0.5:2.5] SUN <b>IS</b> SHINING\n[62.0:64.0] IN THE SKY"))
    assert player.text == []  # held until the end: stamps are read whole
    live.feed(End(None, True))
    assert player.text == ["0:00  SUN <b>IS</b> SHINING\n1:02  IN THE SKY\n"]  # text nodes in the page
    assert _display._timed_lines("<instrumental>") == "♪ instrumental (no lyrics)"
    assert _display._timed_lines("no stamps here") == "no stamps here"


def test_audio_reaches_the_player_without_waiting_for_the_text_throttle(shell_rec: Recorded) -> None:
    clock, player = FakeClock(), FakePlayer()
    live = _display.LiveDisplay("m", clock=clock, player=player)
    live.start()
    clock.now = 1.0
    live.feed(TranscriptDelta("Hello"))  # the text throttle fires here
    # A burst of three chunks 10 ms apart, then nothing for a while: every chunk is with the player at
    # once, none waits for an event that may not come soon.
    for i, t in enumerate((1.01, 1.02, 1.03)):
        clock.now = t
        live.feed(AudioDelta(bytes([i + 1, 0]) * 4800))
        assert len(player.pcm) == 9600 * (i + 1)
    assert bytes(player.pcm) == b"".join(bytes([i, 0]) * 4800 for i in (1, 2, 3))


def test_finish_replaces_the_live_output(shell_rec: Recorded) -> None:
    live = _display.LiveDisplay("m")
    live.start()
    live.finish({"text/plain": "done", "text/html": "<b>done</b>"})
    assert shell_rec.messages[-2] == ("clear", True)
    assert shell_rec.final_html() == "<b>done</b>"


# --- the saved record -------------------------------------------------------------------------------------


def _reply(seconds: float, fmt: str = "wav", outcome: ReplyOutcome | None = None) -> AudioReply:
    return AudioReply(ReplyAudio.from_pcm(_speech_pcm(seconds), format=fmt), transcript="Hi <b>there</b>",
                      origin=ReplyOrigin(id="gen-1"), outcome=outcome or ReplyOutcome())


def test_auto_inlines_audio_under_a_second_once_as_it_is() -> None:
    reply = _reply(0.9)
    placement = _saved.place_audio(reply, embed="auto")
    assert placement.how == "inline" and placement.embedded_bytes == len(reply.audio)
    page = _saved.saved_bundle(reply, placement, name="short")["text/html"]
    (mime, data), = audio_uris(page)
    assert mime == "audio/wav" and wav_seconds(data) == pytest.approx(0.9)
    assert page.count("audio/wav;base64,") == 1 and 'download="short.wav"' in page
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in page


@pytest.mark.parametrize("seconds", [1.0, 5.0, 20.0])
def test_auto_compresses_every_reply_of_a_second_or_more_to_a_sixth(seconds: float) -> None:
    reply = _reply(seconds)
    placement = _saved.place_audio(reply, embed="auto")
    assert placement.how == "compressed" and placement.embedded_bytes <= len(reply.audio) / 6
    page = _saved.saved_bundle(reply, placement, name="turn-2")["text/html"]
    (mime, data), = audio_uris(page)
    assert mime == "audio/mpeg" and decoded_seconds(data) == pytest.approx(seconds, abs=0.08)
    assert 'download="turn-2.mp3"' in page and "--embed inline" in page
    # the header frame with the encoder's delay and padding: browsers read the exact duration from it
    assert b"Info" in data[:2000] and b"LAME" in data[:2000]


def test_inline_keeps_lossless_wav_whatever_the_length() -> None:
    reply = _reply(5.0)
    placement = _saved.place_audio(reply, embed="inline")
    (mime, data), = audio_uris(_saved.saved_bundle(reply, placement)["text/html"])
    assert placement.how == "inline" and mime == "audio/wav" and data == reply.audio


def test_auto_compresses_large_audio_to_a_sixth_of_ipythons_audio() -> None:
    from IPython.display import Audio

    reply = _reply(60.0)
    placement = _saved.place_audio(reply, embed="auto")
    assert placement.how == "compressed" and placement.mime == "audio/mpeg"
    page = _saved.saved_bundle(reply, placement)["text/html"]
    ipython_size = len(Audio(data=reply.audio, rate=24000)._repr_html_())
    assert len(page) <= ipython_size / 6
    (mime, data), = audio_uris(page)
    assert mime == "audio/mpeg" and data[:3] in (b"ID3", b"\xff\xf3", b"\xff\xfb", b"\xff\xf2")
    assert page.count("audio/mpeg;base64,") == 1


def test_auto_without_ffmpeg_writes_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_saved, "compress", lambda reply: None)
    placement = _saved.place_audio(_reply(3.0), embed="auto", limit=1000)
    assert placement.how == "file" and placement.src == "oraudio-files/gen-1.wav"
    assert wav_seconds((tmp_path / placement.src).read_bytes()) == pytest.approx(3.0)
    page = _saved.saved_bundle(_reply(3.0), placement)["text/html"]
    assert "audio/wav;base64," not in page and 'href="oraudio-files/gen-1.wav"' in page


def test_file_uses_the_save_path_when_it_plays(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    reply = _reply(1.0)
    reply.save(tmp_path / "mine.wav")
    placement = _saved.place_audio(reply, embed="file", save_path=tmp_path / "mine.wav")
    assert placement.src == "mine.wav" and not (tmp_path / "oraudio-files").exists()


def test_none_keeps_words_and_waveform_only() -> None:
    reply = _reply(1.0)
    page = _saved.saved_bundle(reply, _saved.place_audio(reply, embed="none"))["text/html"]
    assert "<audio" not in page and "audio/wav;base64," not in page and 'alt="waveform"' in page
    assert "--embed none" in page and "<a " not in page


def test_pcm16_is_wrapped_as_wav_and_text_replies_have_no_player() -> None:
    reply = _reply(0.5, fmt="pcm16")
    placement = _saved.place_audio(reply, embed="inline")
    assert placement.mime == "audio/wav"
    (_mime, data), = audio_uris(_saved.saved_bundle(reply, placement)["text/html"])
    assert wav_seconds(data) == pytest.approx(0.5)
    text = AudioReply(text="just <i>words</i>")
    page = _saved.saved_bundle(text, _saved.place_audio(text, embed="auto"), notice="offline emulator")
    assert "<audio" not in page["text/html"] and "&lt;i&gt;" in page["text/html"]
    assert "offline emulator" in page["text/plain"]


def test_incomplete_replies_say_why() -> None:
    reply = _reply(0.5, outcome=ReplyOutcome(complete=False, error="cancelled by the user"))
    page = _saved.saved_bundle(reply, _saved.place_audio(reply, embed="auto"))
    assert "incomplete: cancelled by the user" in page["text/html"]
    assert "incomplete" in page["text/plain"]


def test_file_outside_the_notebook_folder_gets_a_copy_inside(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    monkeypatch.chdir(tmp_path / "nb")
    reply = _reply(1.0)
    reply.save(tmp_path / "elsewhere.wav")
    placement = _saved.place_audio(reply, embed="file", save_path=tmp_path / "elsewhere.wav")
    assert placement.src == "oraudio-files/gen-1.wav" and (tmp_path / "nb" / placement.src).is_file()
