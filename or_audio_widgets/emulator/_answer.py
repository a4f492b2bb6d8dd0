"""What the emulator's chat answers say: the prompt echoed, the audio described, or the audio's words.

A spoken answer to audio says what was heard ("You said: ..."), or that nothing clear was; a request that
asks for a transcription ("Transcribe this audio, word for word.") gets the words, labelled as the
transcription endpoint labels them, one line per part, before the description of each part (format,
duration, rate, channels, loudness: a fixed format that tests and scripts parse) that every text answer to
audio carries. Without pocketsphinx the audio is described, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._inputs import Heard
from ._listen import RATE, Listened, listen
from ._speech import downmix, resample

SPOKEN, WRITTEN = "Offline emulator speaking.", "Offline emulator reply."
NOTHING_CLEAR = "I heard nothing clear in your audio."
LABEL = "[offline emulator] "
_ASKS_WORDS = re.compile(r"transcri|word[ -]for[ -]word|verbatim|write (it|this|that|them) down", re.I)


def asks_for_words(prompt: str) -> bool:
    """Whether a prompt asks for a transcription of the audio sent with it."""
    return bool(_ASKS_WORDS.search(prompt))


def answer_text(said: str, heard: Sequence[Heard], spoken: bool) -> str:
    """The text of a chat answer to the user's text ``said`` and audio ``heard``, spoken or written."""
    listened: list[Listened] | None = None
    if heard and (spoken or asks_for_words(said)):
        found = [hear(part) for part in heard]
        listened = [f for f in found if f is not None] if None not in found else None
    if spoken:
        if listened is None:
            return f"{SPOKEN} You said: {said}"
        clear = [f.words for f in listened if f.clear]
        return f"{SPOKEN} You said: {'. '.join(clear)}." if clear else f"{SPOKEN} {NOTHING_CLEAR}"
    if not heard:
        return f"{WRITTEN} You said: {said}"
    noun = "part" if len(heard) == 1 else "parts"
    lines = [f"Offline emulator received {len(heard)} audio {noun}."]
    lines += [h.line(i) for i, h in enumerate(heard, 1)]
    if listened is not None:  # the words first, then what arrived
        lines[:0] = [LABEL + (f.words if f.clear else unclear(h.duration)) for h, f in
                     zip(heard, listened, strict=True)]  # fmt: skip
    return "\n".join(lines)


def unclear(seconds: float) -> str:
    """What is written for audio with no words made out with confidence."""
    return f"(unclear: no words made out with confidence in {seconds:.2f} s of audio)"


def hear(part: Heard) -> Listened | None:
    """The words of one decoded part; None when pocketsphinx is not installed."""
    pcm = resample(downmix(part.pcm, part.channels), part.sample_rate, RATE)
    return listen(pcm)
