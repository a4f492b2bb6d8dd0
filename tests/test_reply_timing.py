"""A spoken reply's transcript follows its audio: sentences timed from when their words arrived against the
audio received so far, shown as timed lines under the saved player."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import srt

from or_audio_widgets import AudioReply, OpenRouterAudio
from or_audio_widgets.core._events import AudioDelta, End, TranscriptDelta
from or_audio_widgets.core._html import render_reply
from or_audio_widgets.core._reply import ReplyBuilder
from or_audio_widgets.core._timed import lines_by_arrival

SECOND = bytes(48000)  # one second of 24 kHz mono pcm16


def _built(events: list[Any]) -> AudioReply:
    builder = ReplyBuilder()
    for event in events:
        builder.feed(event)
    return builder.build()


def test_a_sentence_is_never_placed_before_the_audio_that_came_with_it() -> None:
    # the first two sentences arrive ahead of any audio; the third only once 3 s of audio are in
    reply = _built([TranscriptDelta("One two. "), TranscriptDelta("Three four. "), AudioDelta(SECOND * 3),
                    TranscriptDelta("Five six."), AudioDelta(SECOND), End(None, True)])
    assert [s.text for s in reply.segments] == ["One two.", "Three four.", "Five six."]
    first, second, third = reply.segments
    assert first.start == 0 and second.start == pytest.approx(4 * 9 / 30)  # its share of the letters
    assert third.start == 3.0  # its share (2.8 s) is before its audio had come: it waits for it
    assert (first.end, second.end, third.end) == (second.start, third.start, 4.0)
    subs = list(srt.parse(reply.to_srt()))
    assert [s.content for s in subs] == ["One two.", "Three four.", "Five six."]


def test_lines_come_in_order_within_the_audio_whatever_the_records() -> None:
    text = "A. B? C! D\nE \u201cF.\u201d G"
    lines = lines_by_arrival(text, [2, 5, 5, len(text)], [0.0, 9.0, 9.0, 1.0], 5.0)
    assert [s.text for s in lines] == ["A.", "B?", "C!", "D", "E \u201cF.\u201d", "G"]
    starts = [s.start for s in lines]
    assert starts == sorted(starts) and all(0 <= s.start <= s.end <= 5.0 for s in lines)
    assert lines_by_arrival("words", [], [], 0.0) == [] and lines_by_arrival("", [], [], 3.0) == []


def test_no_audio_no_times_and_text_replies_have_none() -> None:
    assert _built([TranscriptDelta("Said, but no sound."), End(None, True)]).segments == ()
    reply = _built([AudioDelta(SECOND), End(None, True)])
    assert reply.segments == () and reply.transcript == ""


def test_the_bookkeeping_is_a_record_per_audio_chunk_not_per_delta() -> None:
    builder = ReplyBuilder()
    for _ in range(100):
        for word in ["so", " many", " small", " deltas", ". "] * 20:
            builder.feed(TranscriptDelta(word))
        builder.feed(AudioDelta(SECOND[:9600]))
    builder.feed(End(None, True))
    assert len(builder._heard_at) == len(builder._heard_chars) == 100  # 10,000 deltas, 100 records
    assert len(builder.build().segments) == 2000  # "so many small deltas." a sentence


def test_the_saved_output_shows_the_timed_lines_in_place_of_the_plain_transcript() -> None:
    reply = _built([TranscriptDelta('Hi <b onclick="x()">there</b>. '), AudioDelta(SECOND),
                    TranscriptDelta("Bye."), AudioDelta(SECOND), End(None, True)])
    page = render_reply(reply)
    assert page.count("<li data-start=") == 2 and 'class="or-audio-follow"' in page
    assert "<b onclick" not in page and "&lt;b onclick=&quot;x()&quot;&gt;" in page  # the model's text
    assert 'white-space:pre-wrap">Hi' not in page  # the words are in the lines, once
    assert page.index("<audio") < page.index("or-audio-follow")


def test_a_spoken_reply_from_the_emulator_follows_its_audio(client: OpenRouterAudio) -> None:
    reply = client.speak("The first thing. The second thing is longer than the first. And a third.")
    assert reply.complete and len(reply.segments) >= 4
    assert " ".join(s.text for s in reply.segments) == " ".join(reply.transcript.split())
    starts = [s.start for s in reply.segments]
    assert starts[0] == 0 and starts == sorted(starts) and reply.segments[-1].end == reply.duration
    # the emulator sends the transcript ahead of the audio, so each line sits at its share of the letters
    for line in reply.segments:
        share = reply.transcript.index(line.text) / len(reply.transcript)
        assert line.start == pytest.approx(share * reply.duration, abs=0.01)
    page = reply._repr_html_()
    assert page.count("<li data-start=") == len(reply.segments)


def test_the_real_capture_is_one_line_over_its_audio(real_streams: Path) -> None:
    body = (real_streams / "openai-dotnet_gpt-audio-1.5_stream_pcm16_hello.sse").read_bytes()
    reply = AudioReply.from_sse([body])
    assert [(s.start, s.end, s.text) for s in reply.segments] == [(0.0, reply.duration, "Hello")]
    assert re.search(r'<li data-start="0\.000" data-end="0\.950"[^>]*>.*Hello</li>', reply._repr_html_())
