"""The streaming base64 decoder: any split, padded or not, and clear errors."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from or_audio_widgets.core._b64 import Base64DecodeError, Base64Stream, decode_chunks
from or_audio_widgets.errors import StreamDecodeError


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


def test_per_chunk_padding_loses_nothing() -> None:
    # The seed's join-then-decode keeps only what precedes the first padding.
    assert base64.b64decode("QQ==QkM=") == b"A"
    assert decode_chunks(["QQ==", "QkM="]) == b"ABC"
    assert decode_chunks(["QQ==QkM="]) == b"ABC"


def test_remainder_is_carried() -> None:
    stream = Base64Stream()
    assert stream.feed("QUJ") == b""
    assert stream.feed("DRA") == b"ABC"
    assert stream.feed("==") == b"D"
    assert stream.finish() == b""
    assert stream.chunks == 3


def test_padding_split_across_chunks() -> None:
    assert decode_chunks(["QQ=", "=QkM", "="]) == b"ABC"


def test_unpadded_final_quantum_is_decoded_at_the_end() -> None:
    assert decode_chunks(["QUJDRA"]) == b"ABCD"
    assert decode_chunks(["QUJDRA="]) == b"ABCD"


def test_bytes_input_and_line_wrapped_base64() -> None:
    assert decode_chunks([b"QUJD", "RA==\n"]) == b"ABCD"  # type: ignore[list-item]
    assert decode_chunks(["QU\nJD\r\n"]) == b"ABC"


@pytest.mark.parametrize("bad", ["QU!D", "QUJD\u00e9AAA", "=QUJ", "QQ==QQ=Q"])
def test_invalid_base64_names_the_chunk(bad: str) -> None:
    stream = Base64Stream()
    assert stream.feed("QUJD") == b"ABC"
    with pytest.raises(StreamDecodeError, match=r"audio chunk 1\b") as info:
        stream.feed(bad)
    assert "invalid base64" in str(info.value)
    # the decoder carries on with the next chunk
    assert stream.feed("QUJD") == b"ABC"


def test_an_invalid_chunk_keeps_the_bytes_that_earlier_chunks_left_unfinished() -> None:
    stream = Base64Stream()
    assert stream.feed("QUJDRA") == b"ABC"  # "RA" (the "D") waits for more
    with pytest.raises(Base64DecodeError) as info:
        stream.feed("Q@@@")
    assert info.value.salvaged == b"D"
    assert stream.feed("QUJD") == b"ABC" and stream.finish() == b""
    fresh = Base64Stream()
    with pytest.raises(Base64DecodeError) as info:
        fresh.feed("@@@@")
    assert info.value.salvaged == b""


def test_error_quotes_an_excerpt_near_the_bad_character() -> None:
    stream = Base64Stream()
    with pytest.raises(StreamDecodeError) as info:
        stream.feed("A" * 100 + "*bad*" + "A" * 100)
    message = str(info.value)
    assert "audio chunk 0 at character 100" in message
    assert "*bad*" in message
    assert len(message) < 400  # an excerpt, not the whole chunk


def test_a_lone_trailing_character_is_an_error() -> None:
    stream = Base64Stream()
    stream.feed("QUJDR")
    with pytest.raises(StreamDecodeError, match="lone base64 character"):
        stream.finish()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 400), max_size=12))
def test_one_stream_split_anywhere(data: bytes, cuts: list[int]) -> None:
    text = base64.b64encode(data).decode()
    assert decode_chunks(split(text, cuts)) == data


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=8), st.lists(st.integers(0, 400), max_size=12))
def test_separately_padded_pieces_rejoined_and_split_anywhere(pieces: list[bytes], cuts: list[int]) -> None:
    text = "".join(base64.b64encode(p).decode() for p in pieces)
    assert decode_chunks(split(text, cuts)) == b"".join(pieces)
