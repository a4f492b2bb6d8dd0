"""Music as Lyria answers it: a whole song in ONE SSE event, an MP3 with an ID3 tag, lyrics in ``content``.

The emulator plays a real tune it synthesises (a short melody of plucked notes over a bass, 44.1 kHz
stereo), encoded to MP3 by ffmpeg, so that everything downstream decodes real MP3 frames. How the live
service sends it is in ``_assumptions`` (MUSIC_*), each fact with its source.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import sys
from array import array
from collections.abc import Iterator

from ..core._transcode import encode_pcm
from . import _assumptions as rules
from ._stream import COMMENT, DONE, Context, Frame, chunk, sse, usage

SONG_RATE = 44100  # Google's figure for Lyria; the package reads the rate from the MP3 whatever it is
# A melody in C major (MIDI note numbers), one note per beat, and a bass note per bar.
_MELODY = (72, 74, 76, 79, 76, 74, 72, 67, 69, 72, 74, 76, 74, 72, 71, 72)
_BASS = (48, 45, 41, 43)
_BEAT = 0.375  # seconds: 160 beats a minute
_WORDS = re.compile(r"[A-Za-z']+")


@functools.lru_cache(maxsize=16)
def _pluck(midi: int, seconds: float, loudness: float) -> tuple[float, ...]:
    """A note with a fast attack and an exponential decay, two harmonics for some colour."""
    frequency = 440.0 * 2 ** ((midi - 69) / 12)
    out = []
    for i in range(int(seconds * SONG_RATE)):
        t = i / SONG_RATE
        envelope = min(1.0, t / 0.01) * math.exp(-3.0 * t)
        phase = 2 * math.pi * frequency * t
        harmonics = math.sin(phase) + 0.3 * math.sin(2 * phase) + 0.1 * math.sin(3 * phase)
        out.append(loudness * envelope * harmonics)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _phrase() -> bytes:
    """One phrase of the tune (16 beats, 6 s) as 44.1 kHz stereo pcm16: the melody leans left, the bass
    right. Made once; a song repeats it."""
    beat = int(_BEAT * SONG_RATE)
    total = beat * len(_MELODY)
    left, right = [0.0] * total, [0.0] * total
    for index in range(len(_MELODY)):
        notes = [(_pluck(_MELODY[index], _BEAT * 2, 0.35), 1.0, 0.6)]
        if index % 4 == 0:
            notes.append((_pluck(_BASS[index // 4], _BEAT * 4, 0.3), 0.6, 1.0))
        for wave, to_left, to_right in notes:
            for offset, value in enumerate(wave):
                at = (index * beat + offset) % total  # a note ringing past the end wraps to the start
                left[at] += to_left * value
                right[at] += to_right * value
    frames = zip(left, right, strict=True)
    samples = array("h", (max(-32767, min(32767, int(v * 32767))) for frame in frames for v in frame))
    if sys.byteorder == "big":
        samples.byteswap()  # pcm16 is little-endian
    return samples.tobytes()


def tune_pcm(seconds: float) -> bytes:
    """``seconds`` of the tune as 44.1 kHz stereo pcm16 (the phrase repeated)."""
    phrase = _phrase()
    size = int(seconds * SONG_RATE) * 4
    return (phrase * (size // len(phrase) + 1))[:size]


@functools.lru_cache(maxsize=4)
def song_mp3(seconds: float) -> bytes:
    """The tune as an MP3 file: an ID3v2 tag (ffmpeg's mp3 muxer writes one first), then the frames."""
    return encode_pcm(tune_pcm(seconds), "mp3", SONG_RATE, 2, bitrate=128_000)


def lyrics_for(prompt: str, seconds: float) -> str:
    """Timed lines sung from the prompt's words (``[0.5:2.5] SUN IS SHINING``), or ``<instrumental>``
    when the prompt asks for one or has no words."""
    words = [w.upper() for w in _WORDS.findall(prompt)]
    if not words or "instrumental" in prompt.lower():
        return rules.MUSIC_INSTRUMENTAL
    lines, at = [], 0.5
    for start in range(0, len(words), 5):
        if at >= seconds:
            break
        end = min(at + 2.0, seconds)
        lines.append(f"[{at:.1f}:{end:.1f}] {' '.join(words[start : start + 5])}")
        at = end
    return "\n".join(lines) or rules.MUSIC_INSTRUMENTAL


def music_frames(ctx: Context, prompt: str, seconds: float | None, prompt_tokens: int) -> Iterator[Frame]:
    """The frames of a song: keep-alive comments while it is made, ONE event with the whole MP3 and the
    lyrics, the usage with the price per request, then ``[DONE]``."""
    length = seconds or rules.MUSIC_CLIP_SECONDS
    yield Frame(COMMENT)
    # "composing": the first frame comes about 2 s in, the song about 10 s in, and the end right after it
    # (a frame's pace is the time that passes after it is sent)
    for _ in range(3):
        yield Frame(COMMENT, "think", rules.MUSIC_FIRST_FRAME_SECONDS / 3)
    rest = rules.MUSIC_TOTAL_SECONDS - rules.MUSIC_FIRST_FRAME_SECONDS
    for _ in range(int(rest)):
        yield Frame(COMMENT, "think", rest / int(rest))
    data = base64.b64encode(song_mp3(length))
    delta = {"role": "assistant", "content": lyrics_for(prompt, length), "audio": {"data": "@"}}
    event = chunk(ctx, delta)
    # the base64 goes in as bytes: the whole song, never decoded to text and encoded again
    head, _, tail = event.partition(b'"@"')
    yield Frame(head + b'"' + data + b'"' + tail, "audio")
    stop = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": "stop",
            "native_finish_reason": "STOP"}
    yield Frame(sse({**ctx.head(), "choices": [stop]}), "end")
    spent = {**usage(ctx, prompt_tokens, 0, 0), "cost": ctx.model.request_price}
    yield Frame(sse({**ctx.head(), "choices": [], "usage": spent}))
    yield Frame(DONE, "done")
