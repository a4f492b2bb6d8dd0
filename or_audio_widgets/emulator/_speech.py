"""Speech for the emulator's replies: espeak-ng when installed, otherwise a labelled tone rendering.

Everything comes out as the live API's wire audio: 24 kHz, mono, signed 16-bit little-endian PCM.
"""

from __future__ import annotations

import array
import functools
import hashlib
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass

from ..core._wav import wav_to_pcm16
from ..errors import AudioFormatError

SAMPLE_RATE = 24000
BYTES_PER_SECOND = SAMPLE_RATE * 2
# The live API's audio chunks are whole multiples of 50 ms (2,400 bytes of pcm16 at 24 kHz).
GRANULE = 2400
# Silence between repetitions when a reply is stretched to an exact length.
LOOP_GAP = b"\x00\x00" * (SAMPLE_RATE // 2)

# One distinct espeak-ng voice (language + variant) per OpenRouter/OpenAI voice name.
ESPEAK_VOICES: dict[str, str] = {
    "alloy": "en-us",
    "echo": "en+m3",
    "fable": "en-gb-x-rp+m2",
    "onyx": "en-us+m7",
    "nova": "en-us+f3",
    "shimmer": "en+f4",
    "ash": "en-us-nyc+m4",
    "ballad": "en-gb-scotland+m5",
    "coral": "en-029+f2",
    "sage": "en-gb-x-rp+f5",
    "verse": "en-gb-x-gbclan+m1",
}


@dataclass(frozen=True)
class Speech:
    """Rendered speech: pcm16 at 24 kHz mono, and which engine made it ("espeak-ng" or "tone")."""

    pcm: bytes
    engine: str

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.pcm) / BYTES_PER_SECOND


def find_espeak() -> str | None:
    """Path of the espeak-ng command (Debian package ``espeak-ng``), or None."""
    return shutil.which("espeak-ng")


@functools.lru_cache(maxsize=64)
def synthesize(text: str, voice: str) -> Speech:
    """Speak ``text`` with the espeak-ng voice mapped to ``voice``; a tone rendering without espeak-ng.

    The result is padded with silence to a whole number of 50 ms granules, as the live API's audio is.
    """
    pcm: bytes | None = None
    exe = find_espeak()
    if exe is not None:
        pcm = _espeak(exe, text, ESPEAK_VOICES.get(voice, "en-us"))
    if pcm:
        return Speech(_pad_to_granule(pcm), "espeak-ng")
    return Speech(_pad_to_granule(render_tones(text, voice)), "tone")


def _pad_to_granule(pcm: bytes) -> bytes:
    pcm = pcm[: len(pcm) - len(pcm) % 2]
    short = -len(pcm) % GRANULE
    return pcm + bytes(short) if short or pcm else bytes(GRANULE)


def _espeak(exe: str, text: str, espeak_voice: str) -> bytes | None:
    # Text goes in on stdin so that a prompt starting with "-" is never read as an option.
    try:
        proc = subprocess.run(
            [exe, "--stdout", "--stdin", "-v", espeak_voice],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None  # the tone rendering stands in
    if proc.returncode != 0 or not proc.stdout:
        return None  # an unknown espeak voice exits 0 with no output
    try:  # espeak-ng writing to a pipe leaves placeholder sizes: the samples run to the end
        info, pcm = wav_to_pcm16(proc.stdout)
    except AudioFormatError:
        return None
    if not pcm:
        return None
    return resample(downmix(pcm, info.channels), info.sample_rate, SAMPLE_RATE)


def downmix(pcm: bytes, channels: int) -> bytes:
    """Interleaved pcm16 of ``channels`` channels averaged to mono."""
    if channels == 1:
        return pcm
    samples = pcm16_samples(pcm)
    mixed = array.array(
        "h", (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels))
    )
    return _to_bytes(mixed)


def resample(pcm: bytes, rate: int, target: int) -> bytes:
    """Linear-interpolation resampling of mono pcm16: enough for a robot voice, and no subprocess.

    Short clips go through a pure-Python loop (tens of milliseconds, cheaper than importing numpy);
    long ones through numpy when it is installed or already imported.
    """
    if rate == target or not pcm:
        return pcm
    src = pcm16_samples(pcm)
    count = int(len(src) * target / rate)
    if "numpy" not in sys.modules and len(src) < 10 * rate:
        return _to_bytes(_resample_python(src, count, rate / target))
    try:
        import numpy as np
    except ImportError:
        return _to_bytes(_resample_python(src, count, rate / target))
    positions = np.arange(count, dtype=np.float64) * (rate / target)
    values = np.interp(positions, np.arange(len(src), dtype=np.float64), np.asarray(src, dtype=np.float64))
    return bytes(values.astype("<i2").tobytes())


def _resample_python(src: array.array[int], count: int, step: float) -> array.array[int]:
    last = len(src) - 1
    out = array.array("h", bytes(2 * count))
    for i in range(count):
        pos = i * step
        j = int(pos)
        k = j + 1 if j < last else last
        out[i] = int(src[j] + (src[k] - src[j]) * (pos - j))
    return out


def render_tones(text: str, voice: str) -> bytes:
    """A deterministic stand-in for speech: one tone burst per word at a voice-dependent pitch.

    It lasts about as long as espeak-ng would take to say the words (175 words a minute).
    """
    base = 140 + int(hashlib.sha256(voice.encode()).hexdigest()[:4], 16) % 160
    out = array.array("h")
    gap = array.array("h", bytes(2 * int(SAMPLE_RATE * 0.08)))
    for index, word in enumerate(text.split() or [""]):
        length = int(SAMPLE_RATE * (0.16 + 0.035 * min(len(word), 8)))
        freq = base * (1.0 + 0.12 * (index % 4))
        out.extend(
            int(8000 * math.sin(2 * math.pi * freq * n / SAMPLE_RATE) * min(1.0, n / 240, (length - n) / 240))
            for n in range(length)
        )
        out.extend(gap)
    return _to_bytes(out)


def pcm16_samples(pcm: bytes) -> array.array[int]:
    """The samples of little-endian pcm16, in native order (a trailing odd byte is dropped)."""
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _to_bytes(samples: array.array[int]) -> bytes:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()
