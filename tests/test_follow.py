"""The follow-along view: timed lines under a saved player, escaped, for transcripts and lyrics."""

from __future__ import annotations

import math

from or_audio_widgets.core._follow import follow_along_html
from or_audio_widgets.core._lyrics import parse_lyrics
from or_audio_widgets.core._reply import AudioReply, ReplyAudio
from or_audio_widgets.core._timed import Segment


def test_lines_are_escaped_timed_and_clickable() -> None:
    out = follow_along_html([(0.0, 1.5, '<img src=x onerror="alert(1)">'), (75.0, 80.0, "later")])
    assert "<img src=x" not in out and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in out
    assert out.count('data-start="') == 2 and 'data-start="75.000" data-end="80.000"' in out
    assert ">1:15</span>later" in out
    assert out.startswith('<details class="or-audio-follow" open ontoggle=')  # ties itself to the player
    assert out.count("onclick=") == 2


def test_untimed_broken_and_empty_lines() -> None:
    assert follow_along_html([Segment(1, 2, "   ")]) == ""
    lyrics = parse_lyrics("[4.0:6.0] SUN IS SHINING\nno stamp here")
    out = follow_along_html(lyrics.lines, title="lyrics")
    assert 'data-start="4.000" data-end="6.000"' in out and ">lyrics</summary>" in out
    assert '<li style="padding:0 .3em">no stamp here</li>' in out
    weird = follow_along_html([Segment(math.nan, 2.0, "nan")])
    assert 'data-start="' not in weird and ">nan</li>" in weird


def test_a_reply_with_segments_shows_them_under_its_player() -> None:
    reply = AudioReply(ReplyAudio.from_pcm(bytes(4800)), text="hi there",
                       segments=(Segment(0.0, 0.1, "hi there"),))
    page = reply._repr_html_()
    assert page.index("<audio") < page.index('class="or-audio-follow"')
    assert "or-audio-follow" not in AudioReply(ReplyAudio.from_pcm(bytes(4800)), text="x")._repr_html_()
