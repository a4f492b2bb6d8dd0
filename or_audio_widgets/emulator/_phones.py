"""Pronouncing a word the recogniser's dictionary lacks ("Jupyter", a name), from espeak-ng's phonemes.

``espeak-ng -q -x`` writes its own phoneme mnemonics (``dZ'VpaIt#3``); they are read here, longest match
first, into the ARPAbet phones of pocketsphinx's English model. Stress and syllable marks are dropped.
"""

from __future__ import annotations

import subprocess

from ._speech import find_espeak

_VOWELS = {
    "a": "AE", "a#": "AH", "aa": "AE", "A:": "AA", "A@": "AA R", "A": "AA", "aI": "AY", "aI@": "AY ER",
    "aI3": "AY ER", "aU": "AW", "aU@": "AW ER", "@": "AH", "@L": "AH L", "@2": "AH", "@5": "AH", "3:": "ER",
    "3": "ER", "e@": "EH R", "E": "EH", "E2": "EH", "e": "EH", "eI": "EY", "I": "IH", "I2": "IH", "I#": "IH",
    "i": "IY", "i:": "IY", "i@": "IY ER", "i@3": "IH R", "0": "AA", "O": "AO", "O:": "AO", "O2": "AO",
    "O@": "AO R", "o@": "AO R", "OI": "OY", "oU": "OW", "o": "OW", "U": "UH", "u:": "UW", "U@": "UH R",
    "V": "AH", "IR": "IH R", "VR": "AH R",
}  # fmt: skip
_CONSONANTS = {
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M", "n": "N", "N": "NG", "l": "L", "r": "R",
    "j": "Y", "w": "W", "tS": "CH", "dZ": "JH", "t#": "T", "d#": "D", "n-": "N", "l-": "L", "r-": "R",
    "x": "K", "?": "T", "z#": "Z", "s#": "S",
}  # fmt: skip
_TABLE = {**_CONSONANTS, **_VOWELS}
_LONGEST = max(map(len, _TABLE))


def espeak_phones(words: list[str]) -> dict[str, str]:
    """ARPAbet pronunciations of ``words`` (one espeak-ng run for all); words it cannot say are left out."""
    exe = find_espeak()
    if exe is None or not words:
        return {}
    try:
        proc = subprocess.run([exe, "-q", "-x", "-v", "en-us", "--stdin"], input="\n".join(words).encode(),
                              capture_output=True, timeout=30, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return {}
    lines = proc.stdout.decode("utf-8", "replace").split()
    if proc.returncode != 0 or len(lines) != len(words):
        return {}  # espeak-ng joined or split words: better no pronunciation than a wrong one
    found = {word: to_arpabet(line) for word, line in zip(words, lines, strict=True)}
    return {word: phones for word, phones in found.items() if phones}


def to_arpabet(mnemonics: str) -> str:
    """espeak-ng's phoneme mnemonics for one word as space-separated ARPAbet phones."""
    text = "".join(c for c in mnemonics if c not in "',%=_|")
    phones, i = [], 0
    while i < len(text):
        for size in range(min(_LONGEST, len(text) - i), 0, -1):
            phone = _TABLE.get(text[i : i + size])
            if phone is not None:
                phones.append(phone)
                i += size
                break
        else:
            i += 1  # a mark or a phoneme with no English counterpart
    # an r-coloured vowel before a linking r ("3r-") is one phone in ARPAbet
    return " ".join(phones).replace("ER R", "ER")
