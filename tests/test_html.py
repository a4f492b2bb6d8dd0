"""The static reply HTML: escaping (XSS), the player, waveform, usage, download link and markers."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from or_audio_widgets import AudioReply, ReplyAudio, ReplyOrigin, ReplyOutcome
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


def reply(**kw: Any) -> AudioReply:
    """A reply built by hand from flat fields, each put in the part of the reply that holds it."""
    origin = {name: kw.pop(name) for name in ("model", "id", "provider", "usage", "cost") if name in kw}
    outcome = {name: kw.pop(name) for name in ("complete", "error", "error_kind") if name in kw}
    sound = ReplyAudio.from_pcm(kw.pop("pcm", PCM), format=kw.pop("format", "wav"))
    words = {"transcript": "Hello there", **kw}
    return AudioReply(sound, **words, origin=ReplyOrigin(**{"id": "gen-123", **origin}),
                      outcome=ReplyOutcome(**outcome))


@pytest.mark.parametrize("attack", ATTACKS)
def test_model_output_is_escaped_everywhere(attack: str) -> None:
    markup = render_reply(
        reply(transcript=attack, text=attack + "!", model=attack, id=attack, complete=False, error=attack,
              reasoning=attack),
        notice=attack,
    )
    tags = {tag for tag, _ in parse(markup).tags}
    assert tags <= {"div", "audio", "img", "a", "details", "summary", "template"}
    assert "<script" not in markup and "<svg onload" not in markup
    [img] = tags_named(markup, "img")  # the waveform, and only it
    assert (img["src"] or "").startswith("data:image/svg+xml;base64,")
    handlers = [(k, v) for _, attrs in parse(markup).tags for k, v in attrs.items() if k.startswith("on")]
    assert handlers == [("onclick", _html._TAKE_PLAYER_SRC)]  # the download link's, nothing from the model
    assert html_text(markup).count(attack) >= 5  # as text: transcript, text, reasoning, error, notice, model


def html_text(markup: str) -> str:
    return "".join(parse(markup).text)


def test_audio_src_attribute_cannot_break_out() -> None:
    markup = render_reply(reply(), audio_src='http://example.com/a.wav" onerror="alert(1)')
    assert 'src="http://example.com/a.wav&quot; onerror=&quot;alert(1)"' in markup
    [audio] = tags_named(markup, "audio")
    assert audio["src"] == 'http://example.com/a.wav" onerror="alert(1)'
    assert "onerror" not in audio


def test_player_plays_the_wav_as_a_data_uri_and_never_loops() -> None:
    r = reply()
    markup = render_reply(r)
    [audio] = tags_named(markup, "audio")
    assert "controls" in audio and "loop" not in audio and "autoplay" not in audio
    assert tags_named(markup, "source") == []  # JupyterLab drops <source src> in untrusted notebooks
    # a page that strips <audio> (and keeps its text) says where it plays
    assert _html.NO_PLAYER in html_text(markup) and "Notebook 7" in _html.NO_PLAYER
    src = audio["src"] or ""
    assert src.startswith("data:audio/wav;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == r.audio


def test_autoplay_only_when_asked() -> None:
    [audio] = tags_named(render_reply(reply(), autoplay=True), "audio")
    assert "autoplay" in audio and "loop" not in audio


def audio_mime(markup: str) -> str:
    [audio] = tags_named(markup, "audio")
    return (audio["src"] or "").split(";", 1)[0].removeprefix("data:")


def test_mime_type_follows_the_format() -> None:
    mp3 = reply(format="mp3")
    assert audio_mime(render_reply(mp3)) == "audio/mpeg"
    [audio] = tags_named(render_reply(mp3), "audio")
    assert base64.b64decode((audio["src"] or "").split(",", 1)[1]) == mp3.audio
    [external] = tags_named(render_reply(mp3, audio_src="files/r.mp3"), "audio")
    assert external["src"] == "files/r.mp3"


def test_without_ffmpeg_a_compressed_reply_plays_as_wav(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ffmpeg, "find_ffmpeg", lambda: None)
    assert audio_mime(render_reply(reply(format="mp3"))) == "audio/wav"


def test_pcm16_reply_plays_as_wav() -> None:
    assert audio_mime(render_reply(reply(format="pcm16"))) == "audio/wav"


def test_download_link_has_a_readable_filename_and_no_second_copy() -> None:
    markup = render_reply(reply(id="gen-1/../x y"))
    [link] = tags_named(markup, "a")
    assert link["download"] == "gen-1_.._x_y.wav"
    # no href to a second copy: a click takes the player's src
    assert link["href"] == "#or-audio-download" and link["onclick"] == _html._TAKE_PLAYER_SRC
    assert markup.count("data:audio/wav;base64,") == 1
    [named] = tags_named(render_reply(reply(), filename="greeting"), "a")
    assert named["download"] == "greeting.wav"
    [external] = tags_named(render_reply(reply(), audio_src="out/r.wav"), "a")
    assert external["href"] == "out/r.wav" and "onclick" not in external


def test_untrusted_note_shows_only_where_the_sanitizer_ran() -> None:
    markup = render_reply(reply())
    [link_box] = [a for t, a in parse(markup).tags if t == "div" and "display:none" in (a["style"] or "")]
    # Sanitized (an untrusted notebook), var() goes and the link's box keeps display:none; trusted, the
    # variable falls back to inline and the link shows.
    assert (link_box["style"] or "").startswith("display:none;display:var(--or-audio-unset, inline)")
    # A browser never shows a <template>'s content; the sanitizer drops the tag and keeps what is inside.
    note = re.search(r"<template>(.*?)</template>", markup, re.S)
    assert note and "File &gt; Trust Notebook" in note.group(1)
    assert "<template>" not in render_reply(reply(), audio_src="out/r.wav")  # a file link works anyway


def test_a_placed_copy_gets_its_own_mime_type_and_suffix() -> None:
    mp3_uri = "data:audio/mpeg;base64,SUQz"
    markup = render_reply(reply(id="gen-7"), audio_src=mp3_uri, mime_type="audio/mpeg")
    [audio] = tags_named(markup, "audio")
    assert audio["src"] == mp3_uri
    [link] = tags_named(markup, "a")
    assert link["download"] == "gen-7.mp3" and link["href"] == "#or-audio-download"
    [ogg] = tags_named(render_reply(reply(), audio_src="r.ogg", mime_type="audio/ogg; codecs=opus"), "a")
    assert ogg["download"] == "gen-123.ogg"
    with pytest.raises(ValueError, match="audio_src"):
        render_reply(reply(), mime_type="audio/mpeg")


def test_download_false_leaves_out_the_link_and_the_note() -> None:
    for src in (None, "data:audio/wav;base64,UklG", "out/r.wav"):
        markup = render_reply(reply(), audio_src=src, download=False)
        assert tags_named(markup, "a") == [] and len(tags_named(markup, "audio")) == 1
        assert markup.count("audio/wav;base64,") == (0 if src == "out/r.wav" else 1)
        assert "Trust Notebook" not in markup


def test_reasoning_is_folded_away_and_escaped() -> None:
    markup = render_reply(reply(reasoning="We need <b>to</b>\ngreet."))
    [details] = tags_named(markup, "details")
    assert "open" not in details and len(tags_named(markup, "summary")) == 1
    assert "We need &lt;b&gt;to&lt;/b&gt;\ngreet." in markup
    assert tags_named(render_reply(reply()), "details") == []


def test_waveform_is_an_image_of_a_small_svg() -> None:
    markup = render_reply(reply())
    [img] = tags_named(markup, "img")  # an <img>: sanitizers drop inline <svg>
    assert img["alt"] == "waveform"
    svg = base64.b64decode((img["src"] or "").split(",", 1)[1]).decode()
    [root] = tags_named(svg, "svg")
    assert root["viewbox"] == f"0 0 {_html.WAVEFORM_POINTS} 40"
    assert root["xmlns"] == "http://www.w3.org/2000/svg"  # an image of an SVG needs its namespace
    [path] = tags_named(svg, "path")
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
    assert "cost: $0.00334" in text
    assert "openai/gpt-4o-audio-preview" in text


def test_incomplete_marker_and_notice() -> None:
    markup = render_reply(reply(complete=False, error="cancelled"), notice="offline emulator")
    text = html_text(markup)
    assert "incomplete: cancelled" in text and "offline emulator" in text
    assert "incomplete" not in html_text(render_reply(reply()))
    assert "incomplete: the stream did not finish" in html_text(render_reply(reply(complete=False)))


def test_text_reply_has_no_player() -> None:
    markup = render_reply(AudioReply(text="Two names: <Pebbles> & Skipper"))
    assert tags_named(markup, "audio") == [] and tags_named(markup, "img") == []
    assert "Two names: &lt;Pebbles&gt; &amp; Skipper" in markup


def test_repr_html_delegates() -> None:
    r = AudioReply(ReplyAudio.from_file(pcm_to_wav(PCM), "wav"), transcript="<b>hi</b>")
    assert r._repr_html_() == render_reply(r)
    assert "&lt;b&gt;hi&lt;/b&gt;" in r._repr_html_()
    assert not re.search(r"<script", r._repr_html_())


@pytest.mark.parametrize(("cost", "shown"), [
    (5.07e-05, "$0.0000507"), (0.00333825, "$0.00334"), (0.5, "$0.5"), (1.25, "$1.25"), (12.3456, "$12.35"),
    (0.0, "$0"), (2e-09, "$0.000000002"),
])
def test_costs_read_as_dollars_without_exponents(cost: float, shown: str) -> None:
    assert _html.format_cost(cost) == shown


def test_a_stopped_reply_says_so_calmly_and_a_complete_one_says_nothing_of_it() -> None:
    from or_audio_widgets.core._html import ERROR

    cut = ReplyOutcome(complete=False, error="cancelled", error_kind="cancelled")
    some = AudioReply(ReplyAudio.from_pcm(b"\x01\x00" * 4800), transcript="Once upon", outcome=cut)
    page = render_reply(some, stopped=True)
    assert "Stopped at your request; what arrived is kept." in page
    assert ERROR not in page and "incomplete" not in page
    empty = render_reply(AudioReply(outcome=cut), stopped=True)
    assert "Stopped at your request; nothing had arrived." in empty
    assert "incomplete: cancelled" in render_reply(some)  # not stopped by the person: the reason, as before
    whole = AudioReply(ReplyAudio.from_pcm(b"\x01\x00" * 4800), transcript="Once upon a time.")
    assert "Stopped" not in render_reply(whole, stopped=True)  # Stop pressed as the reply ended
