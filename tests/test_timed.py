"""Timed segments, subtitles (checked with the srt and webvtt-py libraries), cuts at pauses, stitching."""

from __future__ import annotations

import io
import itertools
import math
import struct

import srt
import webvtt

from or_audio_widgets.core._pauses import SILENT, loudness_windows, plan_pieces
from or_audio_widgets.core._reply import AudioReply
from or_audio_widgets.core._stitch import drop_repeated, split_overlap
from or_audio_widgets.core._timed import Segment, clock, segments_from_verbose, to_srt, to_vtt

HOSTILE = [
    Segment(0.0, 1.5, "Hello <b>there</b> & welcome"),
    Segment(1.5, 3.25, "a line\n\n\nwith blank lines --> and an arrow"),
    Segment(3725.5, 3727.125, "over an hour in"),
    Segment(5.0, 4.0, "runs backwards"),
    Segment(math.nan, 9.0, "not a time"),
    Segment(10.0, 11.0, "   "),
]


def test_srt_parses_with_the_srt_library_and_keeps_times_and_words() -> None:
    subs = list(srt.parse(to_srt(HOSTILE)))
    assert [s.index for s in subs] == [1, 2, 3]
    assert subs[0].start.total_seconds() == 0.0 and subs[0].end.total_seconds() == 1.5
    assert subs[2].start.total_seconds() == 3725.5 and subs[2].end.total_seconds() == 3727.125
    assert subs[0].content == "Hello <b>there</b> & welcome"
    assert subs[1].content == "a line\nwith blank lines -> and an arrow"


def test_vtt_parses_with_webvtt_py_and_escapes_markup() -> None:
    captions = webvtt.from_buffer(io.StringIO(to_vtt(HOSTILE))).captions
    assert [(c.start, c.end) for c in captions] == [
        ("00:00:00.000", "00:00:01.500"), ("00:00:01.500", "00:00:03.250"), ("01:02:05.500", "01:02:07.125")]
    assert "&lt;b&gt;there&lt;/b&gt; &amp; welcome" in captions[0].raw_text
    assert "-->" not in captions[1].raw_text


def test_no_segments_give_empty_subtitles() -> None:
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n"
    reply = AudioReply(text="x", segments=(Segment(0, 1, "x"),))
    assert reply.to_srt().startswith("1\n00:00:00,000 --> 00:00:01,000\nx")
    assert reply.to_vtt().startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nx")


def test_clock() -> None:
    assert [clock(7), clock(750), clock(3723.9), clock(math.inf)] == ["0:07", "12:30", "1:02:03", "0:00"]


def test_verbose_json_segments_are_read_as_untrusted() -> None:
    payload = {"segments": [{"start": 0, "end": 1.2, "text": " hi "}, {"start": "x", "end": 2},
                            "junk", {"start": 2.0, "end": math.inf, "text": "no"},
                            {"start": 3, "end": 4, "text": 5}],
               "words": [{"start": 0.1, "end": 0.4, "word": "hi"}]}
    assert segments_from_verbose(payload) == [Segment(0.0, 1.2, "hi"), Segment(3.0, 4.0, "")]
    assert segments_from_verbose(payload, "words") == [Segment(0.1, 0.4, "hi")]
    assert segments_from_verbose({"segments": "nope"}) == []


def _recording(parts: list[tuple[float, bool]], rate: int = 8000) -> memoryview:
    """pcm16 of (seconds, loud) stretches: a 440 Hz tone for speech, zeros for pauses."""
    out = bytearray()
    for seconds, loud in parts:
        n = int(seconds * rate)
        if loud:
            wave = (int(8000 * math.sin(i * 2 * math.pi * 440 / rate)) for i in range(n))
            out += struct.pack(f"<{n}h", *wave)
        else:
            out += bytes(2 * n)
    return memoryview(bytes(out)).cast("h")


def test_pieces_are_cut_in_the_pauses_and_cover_the_recording() -> None:
    rate = 8000
    parts = [(7.0, True), (0.5, False), (6.0, True), (1.0, False), (8.0, True), (0.6, False), (3.0, True)]
    samples = _recording(parts, rate)
    levels = loudness_windows(samples, 1, rate)
    pieces = plan_pieces(levels, rate, len(samples), max_seconds=10.0, overlap=1.0)
    assert pieces[0].start == 0 and pieces[-1].end == len(samples)
    for a, b in itertools.pairwise(pieces):
        assert a.end == b.start and b.overlap == 0
        cut = a.end / rate  # in a pause: the samples around the cut are zeros
        assert not any(samples[int(cut * rate) - 40 : int(cut * rate) + 40])
    assert all((p.end - p.start) / rate <= 10.0 for p in pieces)


def test_speech_with_no_pause_is_cut_by_force_with_an_overlap() -> None:
    rate = 8000
    samples = _recording([(25.0, True)], rate)
    levels = loudness_windows(samples, 1, rate)
    pieces = plan_pieces(levels, rate, len(samples), max_seconds=10.0, overlap=1.0)
    assert len(pieces) == 3
    assert [p.overlap for p in pieces] == [0, rate, rate]
    assert all(b.start == a.end - rate for a, b in itertools.pairwise(pieces))
    assert pieces[-1].end == len(samples)


def test_silence_only_is_marked_silent() -> None:
    rate = 8000
    samples = _recording([(30.0, False)], rate)
    levels = loudness_windows(samples, 1, rate)
    assert max(levels) < SILENT
    pieces = plan_pieces(levels, rate, len(samples), max_seconds=10.0)
    assert pieces and all(p.silent for p in pieces) and pieces[-1].end == len(samples)


def test_overlap_words_are_kept_once() -> None:
    before = "we met on monday and talked about the budget for next ye"
    after = "budget for next year and then we left"
    kept_before, kept_after = drop_repeated(before, after)
    assert f"{kept_before} {kept_after}" == ("we met on monday and talked about the budget for next year "
                                             "and then we left")
    # nothing shared: both kept whole
    assert drop_repeated("one two three", "four five") == ("one two three", "four five")
    # one shared word is not enough to drop anything
    assert drop_repeated("and the", "the end") == ("and the", "the end")


def test_timed_overlap_split_at_its_middle() -> None:
    a = [Segment(8.0, 8.5, "next"), Segment(9.2, 9.6, "year")]
    b = [Segment(8.05, 8.5, "next"), Segment(9.2, 9.6, "year"), Segment(9.7, 10.0, "and")]
    left, right = split_overlap(a, b, 9.0)
    assert [s.text for s in left + right] == ["next", "year", "and"]
