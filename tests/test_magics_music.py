"""%%oraudio with a music model: the cell describes a song, the model composes it, the reply keeps the MP3 as
it came with its lyrics; what a music model cannot take is refused before anything is sent."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from _magics_support import Recorded, audio_uris, last_body
from IPython.core.error import UsageError

from or_audio_widgets.jupyter.magics._run import MUSIC_WAIT

CLIP = "google/lyria-3-clip-preview"


def test_a_music_model_composes_the_song_the_cell_describes(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", f"-m {CLIP}", "A bright pop song about the sun")
    body = last_body(online)
    assert body["model"] == CLIP and body["stream"] is True and body["modalities"] == ["text", "audio"]
    assert "audio" not in body  # no voice, no format: the answer is an MP3 whatever is asked
    reply = ip.user_ns["_oraudio"]
    assert reply.complete and reply.format == "mp3" and (reply.sample_rate, reply.channels) == (44100, 2)
    assert reply.lyrics.lines and not reply.lyrics.instrumental
    (mime, data), = audio_uris(rec.final_html())
    assert mime == "audio/mpeg" and data == reply.audio  # the MP3 as it came, not re-encoded
    assert base64.b64encode(reply.audio[:30]).decode()[:30] in rec.final_html()
    # while it composed, the status line said what happens and how long it usually takes
    shown = [d["data"].get("text/plain", "") for d in rec.displays()]
    waiting = [text for text in shown if MUSIC_WAIT[:40] in text]
    assert waiting and "$0.04 a request" in waiting[0]  # and what it costs, from the model list


@pytest.mark.parametrize(("line", "cell", "words"), [
    (f"-m {CLIP} --voice nova", "A song", "--voice: not for a music model"),
    (f"-m {CLIP} --format wav", "A song", "--format: not for a music model"),
    (f"-m {CLIP} --text", "A song", "--text: not for a music model"),
    (f"-m {CLIP}", None, "Nothing to compose"),  # the line magic with no words
])
def test_what_a_music_model_cannot_take_is_refused_before_sending(ip: Any, rec: Recorded, online: Any,
                                                                  line: str, cell: str | None, words: str
                                                                  ) -> None:
    before = len(online.requests)
    with pytest.raises(UsageError, match=words):
        if cell is None:
            ip.run_line_magic("oraudio", line)
        else:
            ip.run_cell_magic("oraudio", line, cell)
    assert not [r for r in online.requests[before:] if r.path.endswith("/chat/completions")]


def test_the_models_table_shows_music_models_with_their_price_per_request(ip: Any, rec: Recorded,
                                                                           online: Any) -> None:
    ip.run_line_magic("oraudio_models", "")
    rows = {line.split()[0]: line for line in rec.displays()[-1]["data"]["text/plain"].splitlines()[2:]}
    assert "music" in rows[CLIP] and "$0.04" in rows[CLIP] and "request" in rows[CLIP]
    ip.run_line_magic("oraudio_models", "--output")  # chat models that speak: no music model among them
    assert CLIP not in rec.displays()[-1]["data"]["text/plain"]


def test_the_saved_output_shows_the_lyrics_as_timed_lines_that_follow_the_player(ip: Any, rec: Recorded,
                                                                                  online: Any) -> None:
    ip.run_cell_magic("oraudio", f"-m {CLIP}", "Sun <b>shining</b> in the sky, birds singing all day")
    saved = rec.final_html()
    lines = ip.user_ns["_oraudio"].lyrics.lines
    assert 'class="or-audio-follow"' in saved and "<summary" in saved and "lyrics</summary>" in saved
    assert saved.count("<li data-start=") == len(lines) >= 2
    assert f'data-start="{lines[0].start:.3f}"' in saved and "[0.5:" not in saved  # no raw stamps


def test_lyrics_are_the_models_words_escaped() -> None:
    from or_audio_widgets import AudioDelta, End, ReplyBuilder, TextDelta
    from or_audio_widgets.core._html import render_reply
    from or_audio_widgets.emulator._music import song_mp3

    builder = ReplyBuilder(format="wav", wire_format="pcm16")
    for event in (TextDelta("[0.0:1.5] <b>LA</b> & <script>x()</script>\n[1.5:3.0] TWO"),
                  AudioDelta(song_mp3(3.0)), End(None, True)):
        builder.feed(event)
    saved = render_reply(builder.build())
    assert "&lt;b&gt;LA&lt;/b&gt; &amp; &lt;script&gt;" in saved and "<script>" not in saved
    assert saved.count("<li data-start=") == 2


def test_an_instrumental_says_so_in_the_saved_output(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", f"-m {CLIP}", "An instrumental piece for a rainy afternoon")
    saved = rec.final_html()
    assert "instrumental (no lyrics)" in saved and "&lt;instrumental&gt;" not in saved
    assert "or-audio-follow" not in saved


def test_a_song_saved_from_the_magic_keeps_its_rate_and_channels(ip: Any, rec: Recorded, online: Any,
                                                                  tmp_path: Path) -> None:
    import wave

    ip.run_cell_magic("oraudio", f"-m {CLIP} --out song --save {tmp_path / 'song.wav'}", "A short tune")
    song = ip.user_ns["song"]
    with wave.open(str(tmp_path / "song.wav")) as saved:
        assert (saved.getframerate(), saved.getnchannels()) == (44100, 2)
        assert saved.getnframes() / 44100 == pytest.approx(song.duration, abs=0.05)
    song.save(tmp_path / "again.mp3")
    assert (tmp_path / "again.mp3").read_bytes() == song.audio  # the MP3 as it came
