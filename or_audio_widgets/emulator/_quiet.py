"""Making synthetic speech sound recorded, before the recogniser hears it.

pocketsphinx's English model was trained on recordings, which are never digitally silent. Synthetic
speech (espeak-ng, the emulator's own) falls to exact zeros between words and starts and ends abruptly:
the model then loses words at the edges and inside. A faint steady hiss (about -50 dBFS) under the take
and a little of it before and after make it read much better (measured in
``benchmarks/offline_transcription.py``). The hiss is the same every time, so the same audio always reads
the same.
"""

from __future__ import annotations

import array
import random
import sys

from ._speech import pcm16_samples

RATE = 16000  # what the recogniser listens at
HISS = 70.0  # standard deviation, in pcm16 steps
LEAD = RATE * 3 // 10  # samples of hiss alone before and after the take
_BLOCK = RATE  # the hiss repeats every second: a cached block, no generator per take
_hiss: array.array[int] | None = None


def _hiss_block() -> array.array[int]:
    global _hiss
    if _hiss is None:
        rng = random.Random(1)  # noqa: S311 - a fixed hiss, not a secret
        _hiss = array.array("h", (round(rng.gauss(0.0, HISS)) for _ in range(_BLOCK)))
    return _hiss


def condition(pcm: bytes) -> bytes:
    """Mono 16 kHz pcm16 with hiss under it and ``LEAD`` samples of hiss before and after."""
    hiss = _hiss_block()
    samples = pcm16_samples(pcm)
    padded = array.array("h", bytes(2 * LEAD)) + samples + array.array("h", bytes(2 * LEAD))
    try:
        import numpy as np
    except ImportError:
        mixed = array.array("h", (max(-32768, min(32767, s + hiss[i % _BLOCK]))
                                  for i, s in enumerate(padded)))  # fmt: skip
    else:
        values = np.frombuffer(padded, dtype=np.int16).astype(np.int32)
        values += np.resize(np.frombuffer(hiss, dtype=np.int16), len(values))
        mixed = array.array("h", np.clip(values, -32768, 32767).astype(np.int16).tobytes())
    if sys.byteorder == "big":
        mixed.byteswap()
    return mixed.tobytes()
