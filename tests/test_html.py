"""The static reply HTML: escaping (XSS), the player, waveform, usage, download link and markers."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from or_audio_widgets import AudioReply
from or_audio_widgets.core import _ffmpeg, _html
from or_audio_widgets.core._html import render_reply, waveform_peaks, waveform_svg
from or_audio_widgets.core._wav import pcm_to_wav

PCM = (b"\x00\x10\x00\xf0" * 6000) + (b"\x00\x01" * 12000)  # loud then quiet, 1.0 s
ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script><b>x</b>",
    "\"'><svg onload=1>",
]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> Tags:
    parser = Tags()
    parser.feed(markup)
    parser.close()
    return parser


def tags_named(markup: str, name: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in parse(markup).tags if tag == name]


def reply(**kw: object) -> AudioReply:
    defaults: dict[str, object] = {"pcm": PCM, "transcript": "Hello there", "id": "gen-123"}
    defaults.update(kw)
    return AudioReply(**defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize("attack", ATTACKS)
def test_model_output_is_escaped_everywhere(attack: str) -> None:
    markup = render_reply(
        reply(transcript=attack, text=attack + "!", model=attack, id=attack, complete=False, error=attack,
              reasoning=attack),
        notice=attack,
    )
    tags = {tag for tag, _ in parse(markup).tags}
    assert tags <= {"div", "audio", "source", "svg", "path", "a", "details", "summary"}
    assert "<script" not in markup and "<img" not in markup and "<svg onload" not in markup
    assert html_text(markup).count(attack) >= 5  # as text: transcript, text, reasoning, error, notice, model


def html_text(markup: str) -> str:
    return "".join(parse(markup).text)


def test_audio_src_attribute_cannot_break_out() -> None:
    markup = render_reply(reply(), audio_src='http://example.com/a.wav" onerror="alert(1)')
    assert 'src="http://example.com/a.wav&quot; onerror=&quot;alert(1)"' in markup
    [source] = tags_named(markup, "source")
    assert source["src"] == 'http://example.com/a.wav" onerror="alert(1)'
    assert "onerror" not in source


def test_player_plays_the_wav_as_a_data_uri_and_never_loops() -> None:
    r = reply()
    markup = render_reply(r)
    [audio] = tags_named(markup, "audio")
    assert "controls" in audio and "loop" not in audio and "autoplay" not in audio
    [source] = tags_named(markup, "source")
    assert source["type"] == "audio/wav"
    src = source["src"] or ""
    assert src.startswith("data:audio/wav;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == r.audio


def test_autoplay_only_when_asked() -> None:
    [audio] = tags_named(render_reply(reply(), autoplay=True), "audio")
    assert "autoplay" in audio and "loop" not in audio


def test_mime_type_follows_the_format() -> None:
    mp3 = reply(format="mp3")
    [source] = tags_named(render_reply(mp3), "source")
    assert source["type"] == "audio/mpeg"
    assert base64.b64decode((source["src"] or "").split(",", 1)[1]) == mp3.audio
    [external] = tags_named(render_reply(mp3, audio_src="files/r.mp3"), "source")
    assert external == {"src": "files/r.mp3", "type": "audio/mpeg"}


def test_without_ffmpeg_a_compressed_reply_plays_as_wav(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ffmpeg, "find_ffmpeg", lambda: None)
    [source] = tags_named(render_reply(reply(format="mp3")), "source")
    assert source["type"] == "audio/wav"


def test_pcm16_reply_plays_as_wav() -> None:
    [source] = tags_named(render_reply(reply(format="pcm16")), "source")
    assert source["type"] == "audio/wav"


def test_download_link_has_a_filename() -> None:
    markup = render_reply(reply(id="gen-1/../x y"))
    [link] = tags_named(markup, "a")
    assert link["download"] == "gen-1_.._x_y.wav"
    assert (link["href"] or "").startswith("data:audio/wav;base64,")
    [external] = tags_named(render_reply(reply(), audio_src="out/r.wav"), "a")
    assert external["href"] == "out/r.wav"


def test_a_placed_copy_gets_its_own_mime_type_and_suffix() -> None:
    mp3_uri = "data:audio/mpeg;base64,SUQz"
    markup = render_reply(reply(id="gen-7"), audio_src=mp3_uri, mime_type="audio/mpeg")
    [source] = tags_named(markup, "source")
    assert source == {"src": mp3_uri, "type": "audio/mpeg"}
    [link] = tags_named(markup, "a")
    assert link["download"] == "gen-7.mp3" and link["href"] == mp3_uri
    [ogg] = tags_named(render_reply(reply(), audio_src="r.ogg", mime_type="audio/ogg; codecs=opus"), "a")
    assert ogg["download"] == "gen-123.ogg"
    with pytest.raises(ValueError, match="audio_src"):
        render_reply(reply(), mime_type="audio/mpeg")


def test_download_false_leaves_out_the_link_and_the_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    for src in (None, "data:audio/wav;base64,UklG", "out/r.wav"):
        markup = render_reply(reply(), audio_src=src, download=False)
        assert tags_named(markup, "a") == [] and len(tags_named(markup, "audio")) == 1
        assert markup.count("base64,") == (0 if src == "out/r.wav" else 1)
    monkeypatch.setattr(_html, "INLINE_DOWNLOAD_LIMIT", 1000)
    assert "reply.save(" not in render_reply(reply(), download=False)


def test_reasoning_is_folded_away_and_escaped() -> None:
    markup = render_reply(reply(reasoning="We need <b>to</b>\ngreet."))
    [details] = tags_named(markup, "details")
    assert "open" not in details and len(tags_named(markup, "summary")) == 1
    assert "We need &lt;b&gt;to&lt;/b&gt;\ngreet." in markup
    assert tags_named(render_reply(reply()), "details") == []


def test_large_audio_is_not_embedded_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_html, "INLINE_DOWNLOAD_LIMIT", 1000)
    markup = render_reply(reply())
    assert tags_named(markup, "a") == []
    assert "reply.save(" in markup and markup.count("base64,") == 1


def test_waveform_is_a_small_inline_svg() -> None:
    markup = render_reply(reply())
    [svg] = tags_named(markup, "svg")
    assert svg["viewbox"] == f"0 0 {_html.WAVEFORM_POINTS} 40"
    [path] = tags_named(markup, "path")
    assert (path["d"] or "").count("M") == _html.WAVEFORM_POINTS


def test_waveform_peaks_follow_the_audio() -> None:
    peaks = waveform_peaks(PCM, points=10)
    assert peaks[:5] == [4096] * 5 and peaks[5:] == [256] * 5
    assert waveform_peaks(b"") == [] and waveform_svg(b"") == ""
    assert len(waveform_peaks(b"\x01\x00" * 3)) == 3


def test_waveform_of_long_audio_stays_small() -> None:
    ten_minutes = bytes(24000 * 2 * 600)
    assert len(waveform_peaks(ten_minutes)) == _html.WAVEFORM_POINTS
    assert len(waveform_svg(ten_minutes)) < 10000


def test_duration_usage_cost_and_model() -> None:
    usage = {"prompt_tokens": 18, "completion_tokens": 24, "total_tokens": 42}
    text = html_text(render_reply(reply(usage=usage, cost=0.00333825, model="openai/gpt-4o-audio-preview")))
    assert "0:01.0" in text
    assert "tokens: 18 in, 24 out, 42 total" in text
    assert "cost: $0.00333825" in text
    assert "openai/gpt-4o-audio-preview" in text


def test_incomplete_marker_and_notice() -> None:
    markup = render_reply(reply(complete=False, error="cancelled"), notice="offline emulator")
    text = html_text(markup)
    assert "incomplete: cancelled" in text and "offline emulator" in text
    assert "incomplete" not in html_text(render_reply(reply()))
    assert "incomplete: the stream did not finish" in html_text(render_reply(reply(complete=False)))


def test_text_reply_has_no_player() -> None:
    markup = render_reply(AudioReply(text="Two names: <Pebbles> & Skipper"))
    assert tags_named(markup, "audio") == [] and tags_named(markup, "svg") == []
    assert "Two names: &lt;Pebbles&gt; &amp; Skipper" in markup


def test_repr_html_delegates() -> None:
    r = AudioReply(audio=pcm_to_wav(PCM), format="wav", transcript="<b>hi</b>")
    assert r._repr_html_() == render_reply(r)
    assert "&lt;b&gt;hi&lt;/b&gt;" in r._repr_html_()
    assert not re.search(r"<script", r._repr_html_())
