"""Splitting a long text for the speech endpoint: sentence ends of every script, never inside a grapheme
cluster, and the pieces joined give the text back; 10,000 random texts in mixed scripts prove it."""

from __future__ import annotations

import itertools

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from or_audio_widgets.core._speech_text import split_speech_text
from or_audio_widgets.errors import AudioInputError

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # a ZWJ family: 7 code points
THUMB = "\U0001f44d\U0001f3fd"  # a thumb with a skin tone
FLAG = "\U0001f1eb\U0001f1f7"  # two regional indicators: one flag
ACCENTED = "e\u0301"  # e and a combining acute accent


def clusters(text: str) -> list[str]:
    return regex.findall(r"\X", text)


def cuts(pieces: list[str]) -> list[int]:
    return list(itertools.accumulate(len(piece) for piece in pieces))[:-1]


def assert_split_well(text: str, pieces: list[str], limit: int) -> None:
    assert "".join(pieces) == text
    assert all(0 < len(piece) <= limit for piece in pieces)
    boundaries = set(itertools.accumulate(len(c) for c in clusters(text)))
    assert set(cuts(pieces)) <= boundaries, "a cut inside a grapheme cluster"


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("今日は良い天気です。明日も晴れるでしょう！本当に？はい、そうです。", 12,
     ["今日は良い天気です。", "明日も晴れるでしょう！", "本当に？はい、そうです。"]),
    ("你好世界。我们今天去公园散步吧！好的。", 11, ["你好世界。", "我们今天去公园散步吧！", "好的。"]),
    ("नमस्ते दुनिया। यह एक परीक्षण है। ठीक है", 20, ["नमस्ते दुनिया। ", "यह एक परीक्षण है। ", "ठीक है"]),
    ("هل أنت بخير؟ نعم أنا بخير.", 14, ["هل أنت بخير؟ ", "نعم أنا بخير."]),
    ("「行こう。」と彼は言った。", 8, ["「行こう。」", "と彼は言った。"]),  # the closing quote stays
    ("One two three. Four five six! Seven, eight; nine", 20,
     ["One two three. ", "Four five six! ", "Seven, eight; nine"]),
])
def test_sentences_end_where_their_script_ends_them(text: str, limit: int, expected: list[str]) -> None:
    assert split_speech_text(text, limit) == expected


def test_a_full_stop_inside_a_number_or_a_hyphen_is_no_pause() -> None:
    pieces = split_speech_text("Pi is 3.14159 and it is well-known, they say", 24)
    assert pieces == ["Pi is 3.14159 and it is ", "well-known, they say"]


@pytest.mark.parametrize("cluster", [FAMILY, THUMB, FLAG, ACCENTED, "\u0915\u094d\u0937\u093f", "\r\n"])
def test_a_word_longer_than_the_limit_is_cut_between_clusters(cluster: str) -> None:
    text = cluster * 9
    pieces = split_speech_text(text, 8)
    assert_split_well(text, pieces, 8)
    assert all(set(clusters(piece)) == {cluster} for piece in pieces)


def test_a_cluster_longer_than_the_limit_is_refused_clearly() -> None:
    with pytest.raises(AudioInputError, match=r"7 code points.*longer than the 5"):
        split_speech_text("hi " + FAMILY + " there", 5)


def test_white_space_stays_in_the_pieces_and_a_short_text_is_whole() -> None:
    assert split_speech_text("  short  ", 100) == ["  short  "]
    assert split_speech_text("", 10) == []
    text = "A.     B"
    assert "".join(split_speech_text(text, 4)) == text


# Building blocks in many scripts, with the marks and sequences that are easy to break.
ATOMS = [
    "Hello", "world", "naïve", "3.14", "e.g.", "well-known", "ok", "Ελλάδα", "Привет", "שלום", "مرحبا",
    "नमस्ते", "ক্ষ", "ภาษาไทย", "한국어", "日本語", "中文", "ሰላም", "Հայ",
    ".", "!", "?", "…", ",", ";", ":", "—", "。", "！", "？", "、", "，", "।", "؟", "።", "։", "」", "”", ")",
    " ", "  ", "\n", "\t", "\u3000", "\r\n",
    FAMILY, THUMB, FLAG, ACCENTED, "\u0301", "\u0308\u0323", "\u200d", "\ufe0f", "\U0001f3fb",
    "\U0001f469\u200d\U0001f4bb", "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
]
TEXT = st.lists(st.one_of(st.sampled_from(ATOMS), st.characters(codec="utf-8")), max_size=40).map("".join)
BATCH = 50  # texts per example: hypothesis costs most per example, so 200 examples draw the 10,000 texts fast


@settings(max_examples=10_000 // BATCH, deadline=None)
@given(st.lists(st.tuples(TEXT, st.integers(1, 40)), min_size=BATCH, max_size=BATCH))
def test_random_texts_split_and_join_back_unchanged(cases: list[tuple[str, int]]) -> None:
    for text, limit in cases:
        longest = max((len(c) for c in clusters(text)), default=0)
        if longest > limit:
            with pytest.raises(AudioInputError, match="longer than"):
                split_speech_text(text, limit)
            continue
        assert_split_well(text, split_speech_text(text, limit), limit)
