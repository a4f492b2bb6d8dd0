"""The SSE decoder, fed whole, per line, per byte and split anywhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from or_audio_widgets.core._sse import MAX_EVENT_BYTES, Comment, ServerSentEvent, SSEDecoder, SSEItem


def decode(*chunks: bytes) -> list[SSEItem]:
    decoder = SSEDecoder()
    out: list[SSEItem] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    out += decoder.flush()
    return out


def per_byte(data: bytes) -> list[SSEItem]:
    return decode(*(data[i : i + 1] for i in range(len(data))))


def test_a_song_in_one_line_of_16_mb_passes_and_its_buffer_is_let_go() -> None:
    # a music model sends its whole song as one event: several MB of base64 on one line
    line = b"data: " + b"QUJD" * (4 * 1024 * 1024) + b"\n\n"
    decoder = SSEDecoder()
    items: list[SSEItem] = []
    for at in range(0, len(line), 65536):
        items += decoder.feed(line[at : at + 65536])
    assert decoder.overflow is None and len(items) == 1
    assert isinstance(items[0], ServerSentEvent) and len(items[0].data) == 16 * 1024 * 1024
    assert len(decoder._buf) == 0 and not decoder.pending


def test_a_line_that_never_ends_stops_at_the_bound() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: kept\n\ndata: ")[0] == ServerSentEvent("kept")
    block = b"A" * (1 << 20)
    for _ in range(MAX_EVENT_BYTES // len(block) + 1):
        decoder.feed(block)
    assert decoder.overflow is not None and f"{MAX_EVENT_BYTES:,} bytes" in decoder.overflow
    assert len(decoder._buf) == 0 and decoder.feed(block) == []


def test_one_event() -> None:
    assert decode(b"data: hello\n\n") == [ServerSentEvent("hello")]


def test_data_without_space_and_with_two_spaces() -> None:
    # Only one space after the colon is removed (WHATWG: "If value starts with a U+0020 SPACE").
    assert decode(b"data:x\n\ndata:  y\n\n") == [ServerSentEvent("x"), ServerSentEvent(" y")]


def test_multi_line_data_is_joined_with_lf() -> None:
    assert decode(b"data: a\ndata: b\ndata\n\n") == [ServerSentEvent("a\nb\n")]


def test_cr_lf_and_crlf_line_ends() -> None:
    expected = [ServerSentEvent("a"), ServerSentEvent("b"), ServerSentEvent("c")]
    assert decode(b"data: a\r\rdata: b\n\ndata: c\r\n\r\n") == expected


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    # A CR ending a chunk and its LF starting the next must not count as two line ends (a blank line),
    # which would dispatch "a" early and lose "b" from the event.
    assert decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [ServerSentEvent("a\nb")]


def test_cr_at_chunk_end_followed_by_other_text() -> None:
    assert decode(b"data: a\r", b"data: b\r\r") == [ServerSentEvent("a\nb")]


def test_bom_is_dropped_once_even_split() -> None:
    assert decode(b"\xef", b"\xbb", b"\xbfdata: a\n\n") == [ServerSentEvent("a")]
    # a second BOM is part of the first field's name, so that line is an unknown field and ignored
    assert decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n") == [ServerSentEvent("b")]


def test_bytes_that_only_start_like_a_bom_are_kept() -> None:
    assert decode(b"\xef", b"\xbbX\n\ndata: a\n\n") == [ServerSentEvent("a")]


def test_comments_are_surfaced() -> None:
    items = decode(b": OPENROUTER PROCESSING\n\n:no space\ndata: x\n\n")
    assert items == [Comment("OPENROUTER PROCESSING"), Comment("no space"), ServerSentEvent("x")]


def test_final_event_without_blank_line_is_dropped() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [ServerSentEvent("a")]
    assert decoder.pending
    assert decoder.flush() == []
    assert not decoder.pending


def test_multibyte_character_split_across_chunks() -> None:
    data = "data: Привет\n\n".encode()
    split = data.index(b"\xd0\xb8") + 1  # inside the two bytes of one Cyrillic letter
    assert decode(data[:split], data[split:]) == [ServerSentEvent("Привет")]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert decode(b"data: a\xffb\n\n") == [ServerSentEvent("a\ufffdb")]


def test_event_id_and_retry_fields() -> None:
    items = decode(b"event: audio\nid: 7\nretry: 1500\ndata: x\n\ndata: y\n\n")
    assert items == [ServerSentEvent("x", "audio", "7", 1500), ServerSentEvent("y", "message", "7", 1500)]


def test_bad_id_and_retry_are_ignored() -> None:
    items = decode(b"id: 1\n\nid: a\x00b\nretry: 12a\ndata: x\n\n")
    assert items == [ServerSentEvent("x", "message", "1", None)]


def test_blank_line_without_data_resets_event_type() -> None:
    assert decode(b"event: odd\n\ndata: x\n\n") == [ServerSentEvent("x", "message")]


def test_unknown_fields_and_field_without_colon() -> None:
    assert decode(b"foo: bar\nbaz\ndata\n\n") == [ServerSentEvent("")]


def test_empty_feed_is_harmless() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n\n") == [ServerSentEvent("x")]


SAMPLE = (
    b"\xef\xbb\xbf: OPENROUTER PROCESSING\r\n\r\n"
    b"data: {\"a\": 1}\r\n\r\n"
    b"data: line one\rdata: line two\r\r"
    b"event: x\nid: 3\ndata: \xd0\x9f\xd1\x80\xd0\xb8\n\n"
    b":comment\r\ndata:no-space\r\n\r\n"
    b"data: [DONE]\n\n"
    b"data: unterminated"
)


def test_sample_whole_per_line_and_per_byte_agree() -> None:
    whole = decode(SAMPLE)
    assert [type(i).__name__ for i in whole].count("ServerSentEvent") == 5
    assert per_byte(SAMPLE) == whole
    assert decode(*SAMPLE.splitlines(keepends=True)) == whole


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(SAMPLE)), max_size=40))
def test_any_split_gives_the_same_items(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    chunks = [SAMPLE[a:b] for a, b in zip([0, *points], [*points, len(SAMPLE)], strict=True)]
    assert decode(*chunks) == decode(SAMPLE)


lines = st.sampled_from(
    [b"data: x", b"data:y", b"data", b": c", b"", b"event: e", b"id: 1", b"retry: 5", b"data: \xc3\xa9"]
)
ends = st.sampled_from([b"\n", b"\r", b"\r\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(lines, ends), max_size=30), st.data())
def test_generated_streams_any_split(body: list[tuple[bytes, bytes]], data: st.DataObject) -> None:
    stream = b"".join(line + end for line, end in body)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    points = sorted(set(cuts))
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert decode(*chunks) == decode(stream) == per_byte(stream)
