"""The emulator's offline transcription: word error rate on three sets, and time per second of audio.

Three sets of speech, each written down by the emulator's transcription endpoint over HTTP:
- the notebooks' clips: what the demo notebooks speak offline and then transcribe or send back (spoken chat
  replies and speech-endpoint readings, in the voices and formats the notebooks use);
- the browser tests' fake microphone: their sentences read by espeak-ng's default voice, at 48 kHz;
- 20 held-out sentences, read by espeak-ng voices the emulator does not use. They are not in the package's
  corpus (the script checks that before it starts), so the language model has not seen them whole; the
  general word list it also ships holds single words only, and the acoustic model's adaptation to espeak-ng
  (``tools/adapt_listening_model.py``) leaves out every sentence measured here and the held-out voices.

The baseline, in the same run, is the recogniser as it was: pocketsphinx with its own general English
language model, fed the same audio a tenth of a second at a time. Recognition time is measured apart from
HTTP, per second of audio, on the same decoded audio for both.

Run: ``.venv/bin/python benchmarks/offline_transcription.py``
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import format_table

from or_audio_widgets import OpenRouterAudio, start_emulator

READ_ALOUD = "Read the user's words aloud, exactly as written."
# (prompt, voice, format, how it is made): chat = a spoken chat reply, say = the speech endpoint
NOTEBOOK_CLIPS = (
    ("In one short sentence, welcome me to audio in Jupyter.", "alloy", "mp3", "chat"),  # 01
    ("The kettle is on.", "nova", "wav", "chat"),  # 05, four clips in four formats
    ("Meet me at the station at noon.", "nova", "mp3", "chat"),
    ("Turn left after the bridge.", "nova", "flac", "chat"),
    ("Rain is expected tomorrow.", "nova", "ogg", "chat"),
    ("Say good morning to the team, briefly.", "shimmer", "mp3", "chat"),  # 06
    ("The kettle is on. Meet me at the station at noon.", "nova", "wav", "say"),  # 07
    ("Every word of this cell is read aloud, exactly as written.", "alloy", "wav", "say"),  # 07, magic
)
MICROPHONE = (
    "Hello from the fake microphone. This is a recording made for the browser test.",
    "Hello there. This is the first thing I want to say.",
    "And this is the second thing, after a pause.",
)
OTHER_VOICES = ("en+m1", "en-us+f2", "en+klatt", "en-gb+m4", "en-us+f4", "en+m6", "en-us+m2", "en+f3",
                "en-gb-scotland+f1", "en-us+klatt2")  # fmt: skip
HELD_OUT = (
    "Can you tell me where the nearest bus stop is?",
    "I forgot my umbrella at the office yesterday.",
    "The children are playing in the garden after school.",
    "Please send me the report before Friday afternoon.",
    "We need more milk, eggs and bread for the weekend.",
    "The train to the city leaves from platform four.",
    "It was too dark to read the map without a light.",
    "Could you turn the music down a little, please?",
    "My sister is learning to play the guitar this year.",
    "The meeting has been moved to half past three.",
    "He always drinks a cup of tea before going to bed.",
    "Do not forget to water the plants while I am away.",
    "The shop on the corner closes at six in the evening.",
    "What would you like to have for lunch today?",
    "She wrote a short note and left it on the kitchen table.",
    "The doctor said I should rest for a few days.",
    "Our neighbours have a small black dog that barks at night.",
    "I will call you as soon as the plane lands.",
    "The new library opens next month near the park.",
    "How long does it take to walk to the beach from here?",
)


def words(text: str) -> list[str]:
    text = text.removeprefix("[offline emulator]")
    if text.strip().startswith("(unclear"):
        return []
    return re.findall(r"[a-z']+", text.lower())


def edit_distance(said: list[str], heard: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions, insertions, deletions)."""
    row = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def check_held_out() -> None:
    """Refuse to run if a held-out sentence is in the shipped corpus or the word list holds anything else."""
    from or_audio_widgets.emulator._listen import CORPUS, general_words
    from or_audio_widgets.emulator._lm import normalise

    corpus = " | ".join(" ".join(normalise(line)) for line in CORPUS.read_text().splitlines())
    found = [s for s in HELD_OUT if " ".join(normalise(s)) in corpus]
    assert not found, f"held-out sentences in the corpus: {found}"
    assert all(normalise(word) == [word] for word in general_words()), "the word list holds more than words"


def espeak(text: str, voice: str | None, rate: int | None) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        raw, out = Path(folder) / "raw.wav", Path(folder) / "out.wav"
        subprocess.run(["espeak-ng", *(["-v", voice] if voice else []), "-w", str(raw), text], check=True)
        if rate is None:
            return raw.read_bytes()
        subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(raw), "-ar", str(rate),
                        "-ac", "1", str(out)], check=True)  # fmt: skip
        return out.read_bytes()


def notebook_clips(client: OpenRouterAudio) -> list[tuple[str, str, bytes, str]]:
    """(set, what was said, audio, format) for each clip the notebooks make offline."""
    clips = []
    for prompt, voice, fmt, how in NOTEBOOK_CLIPS:
        if how == "chat":  # the notebooks save the reply in the format its file name says
            reply = client.speak(prompt, voice=voice, system=READ_ALOUD)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"clip.{fmt}"
                reply.save(path)
                clips.append(("notebooks", reply.transcript, path.read_bytes(), fmt))
        else:
            spoken = client.say(prompt, voice=voice, format=fmt)
            clips.append(("notebooks", prompt, spoken.audio, fmt))
    return clips


def other_clips() -> list[tuple[str, str, bytes, str]]:
    clips = [("microphone", text, espeak(text, None, 48000), "wav") for text in MICROPHONE]
    for index, text in enumerate(HELD_OUT):
        voice = OTHER_VOICES[index % len(OTHER_VOICES)]
        clips.append((f"held out ({voice})", text, espeak(text, voice, None), "wav"))
    return clips


def baseline() -> Callable[[bytes], str]:
    """The recogniser as it was: pocketsphinx's general English model, 0.1 s slices, nothing else."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=16000, loglevel="FATAL")

    def recognise(pcm: bytes) -> str:
        decoder.start_utt()
        for start in range(0, len(pcm), 3200):
            decoder.process_raw(pcm[start : start + 3200], full_utt=False)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""

    return recognise


def main() -> int:
    from or_audio_widgets.emulator._listen import listen
    from or_audio_widgets.emulator._transcribe import decode_16k

    check_held_out()
    old = baseline()
    handle = start_emulator(port=0)
    rows: list[list[object]] = []
    tally: dict[str, list[float]] = {}  # set -> [errors now, errors before, words, busy now, busy before, s]
    try:
        with OpenRouterAudio("offline", handle.base_url) as client:
            listen(bytes(3200))  # load the model before timing
            for kind, said, audio, fmt in notebook_clips(client) + other_clips():
                heard = client.transcribe(audio).text
                pcm = decode_16k(audio, fmt)
                start = time.perf_counter()
                listen(pcm)
                middle = time.perf_counter()
                before = old(pcm)
                end = time.perf_counter()
                now_errors = edit_distance(words(said), words(heard))
                old_errors = edit_distance(words(said), words(before))
                group = "held out" if kind.startswith("held") else kind
                row = tally.setdefault(group, [0, 0, 0, 0.0, 0.0, 0.0])
                for i, value in enumerate((now_errors, old_errors, len(words(said)), middle - start,
                                           end - middle, len(pcm) / 32000)):  # fmt: skip
                    row[i] += value
                rows.append([kind, said, " ".join(words(heard)) or "(unclear)",
                             now_errors / len(words(said)), old_errors / len(words(said))])
    finally:
        handle.stop()
    print(format_table(["set", "said", "heard (now)", "WER now", "WER before"], rows))
    print()
    summary = [[group, int(r[2]), f"{r[0] / r[2]:.1%}", f"{r[1] / r[2]:.1%}", f"{r[3] / r[5]:.3f}",
                f"{r[4] / r[5]:.3f}"] for group, r in tally.items()]  # fmt: skip
    print(format_table(["set", "words", "WER now", "WER before", "s/s now", "s/s before"], summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
