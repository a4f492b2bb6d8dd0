"""Reading an MP3's frame headers: its sample rate, channels and length, and whether it ends mid-frame.

Pure: no ffmpeg. Each MPEG audio frame starts with a four-byte header that gives its own length, so
walking the headers from the first frame (after any ID3v2 tag) finds where the last whole frame ends.
Tables and formulas: ISO/IEC 11172-3 and 13818-3, 2.4.2.3 (header), as summarised in "MPEG Audio Frame
Header" (mpgedit.org). Used to tell an MP3 from headerless pcm16 that happens to start with 0xFF, and to
mark a reply whose MP3 was cut in the middle of a frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

# kbit/s by bitrate index 1..14, for (MPEG-1, layer I/II/III) and (MPEG-2/2.5, layer I and II/III).
_BITRATES = {
    (1, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Hz by sampling index 0..2, for the version bits 3 (MPEG-1), 2 (MPEG-2) and 0 (MPEG-2.5).
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class FrameHeader:
    """One frame's header: its length in bytes, samples per channel, rate and channel count."""

    length: int
    samples: int
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Mp3Layout:
    """What the headers of an MP3 say: rate, channels, whole frames and their seconds, where the frames
    start and where the last whole one ends, and ``cut`` when the bytes end inside a frame."""

    sample_rate: int
    channels: int
    frames: int
    seconds: float
    start: int
    end: int
    cut: bool


def frame_header(data: bytes | memoryview, at: int = 0) -> FrameHeader | None:
    """The MPEG audio frame header at ``at``, or None when the four bytes there are not a valid one."""
    if len(data) < at + 4 or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    rate_index, bitrate_index = (b2 >> 2) & 3, b2 >> 4
    # reserved values; bitrate index 0 is "free format", whose length the header does not give
    if version == 1 or layer_bits == 0 or rate_index == 3 or bitrate_index in (0, 15):
        return None
    layer = 4 - layer_bits
    mpeg1 = version == 3
    table = _BITRATES[(1, layer)] if mpeg1 else _BITRATES[(2, 1 if layer == 1 else 2)]
    bitrate = table[bitrate_index - 1] * 1000
    rate = _RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    if layer == 1:
        return FrameHeader((12 * bitrate // rate + padding) * 4, 384, rate, 1 if b3 >> 6 == 3 else 2)
    samples = 576 if layer == 3 and not mpeg1 else 1152
    return FrameHeader(samples // 8 * bitrate // rate + padding, samples, rate, 1 if b3 >> 6 == 3 else 2)


def id3_end(data: bytes | memoryview) -> int:
    """Where the ID3v2 tags at the start of ``data`` end (0 when there is none)."""
    at = 0
    while len(data) >= at + 10 and bytes(data[at : at + 3]) == b"ID3":
        size = (data[at + 6] << 21) | (data[at + 7] << 14) | (data[at + 8] << 7) | data[at + 9]
        at += 10 + size + (10 if data[at + 5] & 0x10 else 0)  # flag bit 4: a 10-byte footer follows
    return at


def _frames(data: bytes | memoryview, start: int) -> Iterator[tuple[int, FrameHeader]]:
    """Each whole frame in a row from ``start``: the offset where it ends, and its header."""
    at = start
    while (header := frame_header(data, at)) is not None and at + header.length <= len(data):
        at += header.length
        yield at, header


def whole_frames(data: bytes | memoryview, start: int = 0, limit: int | None = None) -> tuple[int, int]:
    """(whole frames in a row from ``start``, the offset where the last of them ends); at most ``limit``."""
    frames = list(itertools.islice(_frames(data, start), limit))
    return len(frames), frames[-1][0] if frames else start


def mp3_layout(data: bytes | memoryview) -> Mp3Layout | None:
    """The layout of the MP3 in ``data``, or None when no frame starts where the ID3 tag (if any) ends.

    ``cut`` is True when what follows the last whole frame is the start of another one (a valid header,
    or a lone 0xFF sync byte) that the bytes do not hold to its end; an ID3v1 or APE tag there is not.
    """
    start = id3_end(data)
    first = frame_header(data, start)
    if first is None:
        return None
    view = memoryview(data)
    at, count, samples = start, 0, 0
    for end, header in _frames(view, start):  # a running count: a long song has thousands of frames
        at, count, samples = end, count + 1, samples + header.samples
    rest = view[at:]
    cut = frame_header(view, at) is not None or (0 < len(rest) < 4 and rest[0] == 0xFF)
    seconds = samples / first.sample_rate
    return Mp3Layout(first.sample_rate, first.channels, count, seconds, start, at, cut)
