"""The live player's compressed path in the kernel: Ogg pages read in pieces of any size, and pcm16 encoded
to Opus while it arrives (packets come out while pcm goes in, not only at the end)."""

from __future__ import annotations

import math
import struct
import threading

import pytest

from or_audio_widgets.core._live_encode import (
    LiveEncoder,
    OpusBatch,
    can_encode,
    should_compress,
)
from or_audio_widgets.core._ogg import NO_GRANULE, OggError, OggReader


def _page(packets_laced: list[int], body: bytes, granule: int, sequence: int, kind: int = 0) -> bytes:
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, kind, granule, 7, sequence, 0, len(packets_laced))
    return header + bytes(packets_laced) + body


# A packet of 300 bytes (laced 255 + 45), one of 10, then one of 600 that continues on the next page.
BIG = bytes(range(256)) * 3
PAGES = (
    _page([255, 45, 10, 255, 255], BIG[:300] + b"x" * 10 + BIG[:510], 960, 0)
    + _page([90], BIG[510:600], 1920, 1, kind=1)
    + _page([255, 255], BIG[:510], NO_GRANULE, 2)  # no packet ends here
    + _page([0], b"", 2880, 3, kind=1)  # a packet of exactly 510 bytes ends on an empty segment
)


def _read_in(pieces: list[bytes]) -> list[tuple[tuple[bytes, ...], int]]:
    reader = OggReader()
    pages = [page for piece in pieces for page in reader.feed(piece)]
    assert reader.pending == 0
    return [(page.packets, page.granule) for page in pages]


EXPECTED = [
    ((BIG[:300], b"x" * 10), 960),
    ((BIG[:600],), 1920),
    ((), NO_GRANULE),
    ((BIG[:510],), 2880),
]


def test_ogg_pages_whole_give_their_packets_and_granules() -> None:
    assert _read_in([PAGES]) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 7, 27, 28, 100, 333])
def test_ogg_pages_split_anywhere_give_the_same_packets(size: int) -> None:
    assert _read_in([PAGES[i : i + size] for i in range(0, len(PAGES), size)]) == EXPECTED


def test_bytes_that_are_not_ogg_are_refused() -> None:
    with pytest.raises(OggError):
        OggReader().feed(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    with pytest.raises(OggError):
        OggReader().feed(b"Og!")  # refused as soon as the capture pattern cannot match


def test_the_rule_compresses_only_what_the_page_can_decode_on_a_busy_link() -> None:
    raw = 48000.0  # pcm16, 24 kHz mono
    assert should_compress("auto", True, raw, None)  # nothing measured yet: a slow link would cost more
    assert not should_compress("auto", True, raw, 10_000_000.0)  # a local page
    assert not should_compress("auto", True, raw, 250_000.0)  # 2 Mbps: raw takes 19 %
    assert should_compress("auto", True, raw, 75_000.0)  # 600 kbps: raw takes 64 %
    assert not should_compress("auto", False, raw, 75_000.0)  # no WebCodecs: raw whatever the link
    assert should_compress("always", True, raw, None)
    assert not should_compress("always", False, raw, None)
    assert not should_compress("never", True, raw, 75_000.0)


def _tone(seconds: float, rate: int = 24000) -> bytes:
    frames = int(seconds * rate)
    step = 2 * math.pi * 220 / rate
    return struct.pack(f"<{frames}h", *(int(8000 * math.sin(i * step)) for i in range(frames)))


def test_packets_come_out_while_pcm_goes_in() -> None:
    batches: list[OpusBatch] = []
    arrived = threading.Event()

    def on_batch(batch: OpusBatch) -> None:
        batches.append(batch)
        arrived.set()

    encoder = LiveEncoder(24000, 1, on_batch)
    chunk = _tone(0.4)
    encoder.push(chunk)
    # The first chunk's packets come before any more pcm and before the end.
    assert arrived.wait(10), "no packet before the end of the input"
    during = list(batches)
    assert during and during[0].first == 0 and during[-1].upto > 0
    for _ in range(4):
        encoder.push(chunk)
    encoder.close()
    assert encoder.failed is None
    # Batches follow each other frame for frame and end exactly at the pcm pushed.
    assert [b.first for b in batches[1:]] == [b.upto for b in batches[:-1]]
    assert batches[-1].upto == 5 * len(chunk) // 2
    assert all(b.upto > b.first and b.packets for b in batches)
    assert {b.pre_skip for b in batches} == {batches[0].pre_skip}
    # 20 ms a packet, at 32 kbit/s: about 1/12 of the raw pcm16.
    sent = sum(len(p) for b in batches for p in b.packets)
    assert sum(len(b.packets) for b in batches) >= 2.0 / 0.02
    assert sent < 5 * len(chunk) / 8


def test_the_packets_decode_to_the_frames_they_name() -> None:
    """What the page does, with ffmpeg as the decoder: the packets of all batches, in an Ogg file again,
    decode to pre_skip plus the frames pushed."""
    batches: list[OpusBatch] = []
    encoder = LiveEncoder(24000, 1, batches.append)
    for _ in range(3):
        encoder.push(_tone(0.25))
    encoder.close()
    total = batches[-1].upto
    assert total == 3 * 6000
    # The 48 kHz sample each batch starts at is the end of the one before.
    assert batches[0].start48 == 0
    decoded48 = [len(b.packets) * 960 for b in batches]
    assert [b.start48 for b in batches[1:]] == [sum(decoded48[:i + 1]) for i in range(len(batches) - 1)]
    assert sum(decoded48) >= batches[0].pre_skip + 2 * total


def test_an_encoder_refuses_a_layout_opus_cannot_carry_as_it_is() -> None:
    assert can_encode(24000, 1) and can_encode(48000, 2)
    assert not can_encode(44100, 2) and not can_encode(24000, 3)
    with pytest.raises(ValueError):
        LiveEncoder(44100, 2, lambda _batch: None)


def test_aborting_hands_nothing_more_on() -> None:
    batches: list[OpusBatch] = []
    encoder = LiveEncoder(24000, 1, batches.append)
    encoder.abort()
    encoder.push(_tone(0.2))
    encoder.close()
    assert batches == [] and encoder.failed == "stopped"
    assert encoder._proc.poll() is not None  # the process was let go


def test_pcm_given_at_once_comes_out_in_messages_of_half_a_second_at_most() -> None:
    """A song decoded in the kernel reaches the encoder faster than it plays: its packets come out without a
    pause, and gathered whole the first sound would wait for the song's last packet."""
    batches: list[OpusBatch] = []
    encoder = LiveEncoder(48000, 2, batches.append)
    encoder.push(_tone(6.0, 48000) * 2)  # 6 s of stereo frames (the same tone in both channels' places)
    encoder.close()
    assert batches[0].first == 0 and batches[-1].upto == encoder.pushed_frames
    assert len(batches) >= 12
    # each gathered batch stops once it holds half a second; the last page it took adds up to 20 ms
    assert all(b.upto - b.first <= 0.5 * 48000 + 960 for b in batches)
