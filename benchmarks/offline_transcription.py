"""The emulator's offline transcription of its own speech: word error rate and time per second of audio.

Sentences are read aloud by the emulator's speech endpoint (espeak-ng) and written down again by its
transcription endpoint (pocketsphinx and the English model its wheel carries). The word error rate is a
figure to know, not a target: it says how far the offline stand-in is from a real transcription model.
Recognition time is measured apart from HTTP, per second of audio.

Run: ``.venv/bin/python benchmarks/offline_transcription.py``
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import format_table

from or_audio_widgets import OpenRouterAudio, start_emulator

SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please open the window before you leave the room.",
    "We will meet at the station at seven tomorrow morning.",
    "The weather is cold and it may rain later today.",
    "She read the letter twice and then put it away.",
    "Turn left at the next corner and walk to the bridge.",
    "My brother plays the piano every evening after dinner.",
    "Bring me a glass of water and a piece of bread.",
)


def words(text: str) -> list[str]:
    text = text.removeprefix("[offline emulator]")
    return re.findall(r"[a-z']+", text.lower())


def edit_distance(said: list[str], heard: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions, insertions, deletions)."""
    row = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def main() -> int:
    from or_audio_widgets.emulator._transcribe import decode_16k, recognise

    handle = start_emulator(port=0)
    rows, errors, total, audio_seconds, busy = [], 0, 0, 0.0, 0.0
    try:
        with OpenRouterAudio("offline", handle.base_url) as client:
            recognise(bytes(3200))  # load the model before timing
            for sentence in SENTENCES:
                spoken = client.say(sentence)
                heard = client.transcribe(spoken.audio).text
                pcm = decode_16k(spoken.audio, "wav")
                start = time.perf_counter()
                recognise(pcm)
                busy += time.perf_counter() - start
                audio_seconds += spoken.duration
                distance = edit_distance(words(sentence), words(heard))
                errors, total = errors + distance, total + len(words(sentence))
                rows.append([sentence, " ".join(words(heard)), distance / len(words(sentence))])
    finally:
        handle.stop()
    print(format_table(["said (espeak-ng)", "heard (pocketsphinx)", "WER"], rows))
    print(f"word error rate {errors / total:.1%} over {total} words; recognition "
          f"{busy / audio_seconds * 1000:.0f} ms per second of audio ({audio_seconds:.1f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
