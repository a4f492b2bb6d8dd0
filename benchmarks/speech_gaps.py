"""say() across a long text split into several requests: no silence added between them.

A text of about 12,000 characters is read with ``OpenRouterAudio.say`` against the emulator (4 requests
under the 4,096-character limit). Each piece is then read alone, and the silence at each join of the
stitched reply is compared with the silence the pieces have of their own (trailing + leading). The gap
beyond the speech's own is what stitching added.

Must reach: no join adds more than 20 ms.

Run: ``.venv/bin/python benchmarks/speech_gaps.py``
"""

from __future__ import annotations

import array
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import format_table

from or_audio_widgets import OpenRouterAudio, start_emulator

RATE = 24000
THRESHOLD = 64  # |sample| at or below this is silence (-54 dBFS)


def samples(pcm: bytes) -> array.array[int]:
    out = array.array("h")
    out.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":
        out.byteswap()
    return out


def leading(values: array.array[int]) -> int:
    return next((i for i, v in enumerate(values) if abs(v) > THRESHOLD), len(values))


def trailing(values: array.array[int]) -> int:
    return next((i for i, v in enumerate(reversed(values)) if abs(v) > THRESHOLD), len(values))


def silence_around(values: array.array[int], at: int) -> int:
    """Samples of silence in the run that contains (or touches) position ``at``."""
    start = at
    while start > 0 and abs(values[start - 1]) <= THRESHOLD:
        start -= 1
    end = at
    while end < len(values) and abs(values[end]) <= THRESHOLD:
        end += 1
    return end - start


def main() -> int:
    sentence = "Sentence {} of the long text is read aloud here, without a pause added."
    text = " ".join(sentence.format(i) for i in range(170))
    handle = start_emulator(port=0)
    try:
        with OpenRouterAudio("offline", handle.base_url) as client:
            whole = client.say(text)
            pieces = [r.json["input"] for r in handle.requests if r.path.endswith("/audio/speech")]
            alone = [samples(bytes(client.say(piece).pcm)) for piece in pieces]
    finally:
        handle.stop()
    stitched = samples(bytes(whole.pcm))
    rows, worst, at = [], 0.0, 0
    for index in range(len(alone) - 1):
        at += len(alone[index])
        own = trailing(alone[index]) + leading(alone[index + 1])
        found = silence_around(stitched, at)
        added_ms = (found - own) * 1000 / RATE
        worst = max(worst, added_ms)
        rows.append([f"join {index + 1}/{len(alone) - 1}", own * 1000 / RATE, found * 1000 / RATE, added_ms])
    print(f"say(): {len(text):,} characters in {len(pieces)} requests, {whole.duration:.1f} s of speech, "
          f"stitched length {'equal to' if len(stitched) == sum(map(len, alone)) else 'DIFFERENT from'} "
          "the pieces read alone")
    print(format_table(["join", "own silence ms", "silence at join ms", "added ms"], rows))
    verdict = "OK" if worst <= 20 else "FAILS"
    print(f"worst added silence: {worst:.1f} ms (must be at most 20 ms): {verdict}")
    return 0 if worst <= 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
