"""The base64 audio deltas of a spoken reply, encoded while they are sent and cached once complete.

A 10-minute reply is 28.8 MB of PCM; encoding it lazily lets the first audio leave at once on a cold
request, and the cache (per text, voice, seconds and chunking) makes every later request a plain write.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from ._said import remember
from ._speech import BYTES_PER_SECOND, LOOP_GAP, synthesize

AUDIO_CHUNK = 19200  # bytes of pcm16 per audio delta, 400 ms, as in the real captures
# padded-base64 fault: sizes that are not multiples of 3, so every chunk's base64 ends in padding
_PADDED_CHUNKS = (19201, 19199)
_CACHE_SIZE = 4  # a 10-minute reply takes 38 MB of base64

_Key = tuple[str, str, "float | None", bool]
_cache: OrderedDict[_Key, tuple[tuple[bytes, ...], str, int]] = OrderedDict()
_lock = threading.Lock()


@dataclass
class AudioTrack:
    """A reply's audio: its base64 deltas (an iterator, possibly still being encoded), engine, PCM size."""

    payloads: Iterator[bytes]
    engine: str
    pcm_bytes: int


def audio_track(text: str, voice: str, seconds: float | None, padded: bool) -> AudioTrack:
    """The audio deltas for speaking ``text``; from the cache when this reply was made before."""
    key: _Key = (text, voice, seconds, padded)
    remember(text)  # the recogniser expects to hear it back
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is not None:
        return AudioTrack(iter(hit[0]), hit[1], hit[2])
    speech = synthesize(text, voice)
    unit = speech.pcm
    total = len(unit) if seconds is None else round(seconds * BYTES_PER_SECOND / 2) * 2
    if seconds is not None:
        unit += LOOP_GAP  # stretched replies repeat the speech with a pause between
    return AudioTrack(_encode(key, unit, total, padded, speech.engine), speech.engine, total)


def clear_cache() -> None:
    """Forget every cached reply (tests use it after swapping the speech engine)."""
    with _lock:
        _cache.clear()


def _sizes(total: int, padded: bool) -> Iterator[int]:
    sizes = _PADDED_CHUNKS if padded else (AUDIO_CHUNK,)
    pos = index = 0
    while pos < total:
        size = min(sizes[index % len(sizes)], total - pos)
        if padded and size == total - pos and size % 3 == 0 and size > 1:
            size -= 1  # the tail too must carry padding: its last byte becomes a chunk of its own
        yield size
        pos += size
        index += 1


def _encode(key: _Key, unit: bytes, total: int, padded: bool, engine: str) -> Iterator[bytes]:
    out: list[bytes] = []
    pos = 0
    for size in _sizes(total, padded):
        out.append(base64.b64encode(_cyclic(unit, pos, size)))
        pos += size
        yield out[-1]
    with _lock:  # only a complete track is cached; a request cut short leaves nothing behind
        _cache[key] = (tuple(out), engine, total)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _cyclic(unit: bytes, pos: int, size: int) -> bytes:
    """``size`` bytes from ``pos`` of ``unit`` repeated forever."""
    start = pos % len(unit)
    if start + size <= len(unit):
        return unit[start : start + size]
    parts = []
    while size > 0:
        piece = unit[start : start + size]
        parts.append(piece)
        size -= len(piece)
        start = 0
    return b"".join(parts)
