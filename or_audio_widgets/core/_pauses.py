"""Where to cut a long recording: at its pauses, so that no word is cut in two.

The loudness of each 20 ms window is read from a subsample of its pcm16 samples (the cost does not grow
with the rate, and the samples are read in place: a memory-mapped file is never copied). A window is quiet
below a level relative to the recording's loud speech. Each piece ends in the longest quiet stretch of
the last half of the longest piece allowed, cut in its middle; where there is no pause at all (one long
stretch of speech), the cut is forced at the limit and the next piece starts ``overlap`` seconds earlier,
so that the words on the cut are heard whole in one of the two (the stitching removes the words heard
twice).
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass

__all__ = ["Piece", "loudness_windows", "plan_pieces"]

WINDOW = 0.02  # seconds per loudness window
_LOOK = 40  # samples looked at per window, whatever the rate
SILENT = 16  # mean |sample| below this (about -66 dBFS) is digital silence: nothing to transcribe
MIN_PAUSE = 0.2  # seconds of quiet that make a pause worth cutting in


@dataclass(frozen=True)
class Piece:
    """Frames ``start`` to ``end`` of the recording; ``overlap`` frames at its start are also the end of
    the piece before (a forced cut); ``silent`` when it holds nothing but digital silence."""

    start: int
    end: int
    overlap: int = 0
    silent: bool = False


def loudness_windows(samples: memoryview, channels: int, rate: int) -> array[int]:
    """The mean absolute value of each 20 ms window of interleaved pcm16 ``samples`` (format "h"),
    read from about 40 samples of its first channel."""
    frames = len(samples) // channels
    size = max(1, round(rate * WINDOW))
    step = max(1, size // _LOOK) * channels
    swap = sys.byteorder == "big"  # pcm16 is little-endian
    levels = array("i")
    for start in range(0, frames, size):
        chunk = samples[start * channels : min(frames, start + size) * channels : step]
        if swap:
            values = array("h", chunk.tobytes())
            values.byteswap()
            chunk = memoryview(values)
        levels.append(sum(map(abs, chunk)) // max(1, len(chunk)))
    return levels


def _threshold(levels: array[int]) -> int:
    """Quiet is below a twentieth of the level loud speech reaches (its 95th percentile), at least the
    level of digital silence."""
    if not levels:
        return SILENT
    loud = sorted(levels)[int(len(levels) * 0.95)]
    return max(SILENT, loud // 20)


def plan_pieces(levels: array[int], rate: int, frames: int, max_seconds: float,
                overlap: float = 2.0) -> list[Piece]:
    """The pieces (in frames) to transcribe a recording of ``frames`` frames whose window levels are
    ``levels``; none lasts more than ``max_seconds``."""
    if max_seconds <= 2 * overlap or max_seconds <= 4 * WINDOW:
        raise ValueError(f"pieces of at most {max_seconds} s cannot hold an overlap of {overlap} s")
    total = len(levels)
    quiet_level = _threshold(levels)
    quiet = [level < quiet_level for level in levels]
    longest = int(max_seconds / WINDOW)
    shift = int(overlap / WINDOW)
    pieces: list[Piece] = []
    begin, lap = 0, 0
    while begin < total:
        end = total if total - begin <= longest else _cut(quiet, begin + longest // 2, begin + longest)
        forced = end is None
        end = begin + longest if end is None else end
        silent = all(level < SILENT for level in levels[begin:end])
        frame = round(rate * WINDOW)
        stop = frames if end >= total else end * frame  # the last window may be short
        pieces.append(Piece(begin * frame, stop, lap * frame, silent))
        lap = shift if forced else 0
        begin = end - lap
    return pieces


def _cut(quiet: list[bool], lo: int, hi: int) -> int | None:
    """The middle of the longest quiet run within windows ``lo``..``hi`` (the later one on a tie), or
    None when no run is long enough to be a pause."""
    best_len, best_mid, run = 0, None, 0
    for i in range(lo, hi):
        run = run + 1 if quiet[i] else 0
        if run and run >= best_len:
            best_len, best_mid = run, i - run // 2
    if best_mid is None or best_len * WINDOW < MIN_PAUSE:
        return None
    return best_mid + 1
