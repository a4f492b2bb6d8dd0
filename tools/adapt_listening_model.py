"""Remake the data the offline recogniser ships: an acoustic model adapted to espeak-ng, and a word list.

pocketsphinx's English acoustic model was trained on recordings of people; the emulator hears espeak-ng
(its own replies and the tests' fake microphone). This script adapts the model's Gaussian means and
variances to espeak-ng's speech by MAP estimation (sphinxtrain's ``bw`` and ``map_adapt``), from the
sentences of ``listening_corpus.txt`` read by the emulator's voices, each take prepared exactly as the
recogniser prepares what it hears (16 kHz, the same faint hiss). The sentences that
``benchmarks/offline_transcription.py`` measures are left out of the adaptation, and so are the voices of its
held-out set: the benchmark measures what the adaptation does for speech it never saw.

It also writes ``listening_words.txt``: the 10,000 likeliest words of pocketsphinx's general English
language model with their probabilities, so that the recogniser can reach everyday words the corpus lacks.

Needs the Debian packages ``sphinxtrain``, ``sphinxbase-utils`` and ``pocketsphinx`` (for ``bw``,
``map_adapt``, ``sphinx_fe`` and ``pocketsphinx_mdef_convert``), espeak-ng, and the project's venv.
Run: ``.venv/bin/python tools/adapt_listening_model.py`` (a few minutes); the files it writes are
deterministic for the same tools and voices.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import offline_transcription as bench  # noqa: E402

from or_audio_widgets.emulator._listen import ADAPTED, CORPUS, GENERAL  # noqa: E402
from or_audio_widgets.emulator._lm import normalise  # noqa: E402
from or_audio_widgets.emulator._phones import espeak_phones  # noqa: E402
from or_audio_widgets.emulator._quiet import RATE, condition  # noqa: E402
from or_audio_widgets.emulator._speech import ESPEAK_VOICES, SAMPLE_RATE, resample, synthesize  # noqa: E402

TRAIN = Path("/usr/lib/sphinxtrain")
VOICES_PER_SENTENCE = 3
GENERAL_WORDS = 10000
# The acoustic front end of the model (its feat.params), as sphinx_fe spells it; no silence removal, as
# pocketsphinx 5 does none.
FRONT_END = ["-lowerf", "130", "-upperf", "6800", "-nfilt", "25", "-transform", "dct", "-lifter", "22",
             "-remove_noise", "yes", "-remove_silence", "no", "-dither", "no"]  # fmt: skip
# sendump holds each mixture weight as -log(w) in units of 1024 steps of log base 1.0001 (pocketsphinx's
# SENSCR_SHIFT): bw and map_adapt need them back as floats.
_SENDUMP_STEP = 1024 * math.log(1.0001)


def model_dir() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us"


def sentences() -> list[str]:
    measured = {" ".join(normalise(t)) for t in (*bench.HELD_OUT, *bench.MICROPHONE,
                                                 *(clip[0] for clip in bench.NOTEBOOK_CLIPS))}  # fmt: skip
    lines = [line.strip() for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")
            and " ".join(normalise(line)) not in measured]  # fmt: skip


def voices() -> list[str]:
    held_out = set(bench.OTHER_VOICES)
    return sorted(name for name, espeak in ESPEAK_VOICES.items() if espeak not in held_out)


def speak_all(work: Path) -> list[tuple[str, str]]:
    """Each corpus sentence in ``VOICES_PER_SENTENCE`` voices, as raw 16 kHz pcm16 the recogniser hears."""
    (work / "raw").mkdir()
    names = voices()
    jobs = [(f"u{i:04d}_{names[(i * VOICES_PER_SENTENCE + k) % len(names)]}", line,
             names[(i * VOICES_PER_SENTENCE + k) % len(names)])
            for i, line in enumerate(sentences()) for k in range(VOICES_PER_SENTENCE)]  # fmt: skip

    def speak(job: tuple[str, str, str]) -> tuple[str, str]:
        uid, line, voice = job
        speech = synthesize(line, voice)
        (work / "raw" / f"{uid}.raw").write_bytes(condition(resample(speech.pcm, SAMPLE_RATE, RATE)))
        return uid, " ".join(normalise(line))

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(speak, jobs))


def write_dictionary(path: Path, takes: list[tuple[str, str]]) -> None:
    words = {w for _, text in takes for w in text.split()}
    lines, known = [], set()
    for line in (model_dir() / "cmudict-en-us.dict").read_text(encoding="utf-8").splitlines():
        word = line.split(" ", 1)[0]
        if re.sub(r"\(\d+\)$", "", word) in words:
            lines.append(line)
            known.add(re.sub(r"\(\d+\)$", "", word))
    lines += [f"{w} {p}" for w, p in sorted(espeak_phones(sorted(words - known)).items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def sendump_to_mixture_weights(sendump: Path, out: Path, senones: int, densities: int) -> None:
    """pocketsphinx's 8-bit sendump as sphinxtrain's mixture_weights (float32, senone x stream x density)."""
    import numpy as np

    data = sendump.read_bytes()
    pos = 0

    def number() -> int:
        nonlocal pos
        pos += 4
        return int(struct.unpack_from("<i", data, pos - 4)[0])

    while (size := number()) != 0:  # the title, the header, then header strings up to an empty one
        pos += size
    rows, columns = number(), number()
    streams = (len(data) - pos) // (rows * columns)
    quantised = np.frombuffer(data, np.uint8, streams * rows * columns, pos).reshape(streams, rows, columns)
    weights = np.exp(-quantised[:, :densities, :senones].astype(np.float64) * _SENDUMP_STEP)
    weights = weights.transpose(2, 0, 1)
    weights /= weights.sum(axis=2, keepdims=True)
    with out.open("wb") as handle:
        handle.write(b"s3\nversion 1.0\nendhdr\n" + struct.pack("<I", 0x11223344))
        handle.write(struct.pack("<iiii", *weights.shape, weights.size) + weights.astype("<f4").tobytes())


def run(*command: str | Path) -> None:
    subprocess.run([str(c) for c in command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def adapt(work: Path, takes: list[tuple[str, str]]) -> None:
    stock, hmm = model_dir() / "en-us", work / "hmm"
    hmm.mkdir()
    for name in ("means", "variances", "transition_matrices", "noisedict"):
        shutil.copy(stock / name, hmm / name)
    run("pocketsphinx_mdef_convert", "-text", stock / "mdef", hmm / "mdef")
    sendump_to_mixture_weights(stock / "sendump", hmm / "mixture_weights", senones=5126, densities=128)
    (work / "fileids").write_text("".join(f"{uid}\n" for uid, _ in takes), encoding="utf-8")
    (work / "transcription").write_text("".join(f"<s> {text} </s> ({uid})\n" for uid, text in takes),
                                        encoding="utf-8")  # fmt: skip
    write_dictionary(work / "dict", takes)
    (work / "mfc").mkdir()
    run("sphinx_fe", *FRONT_END, "-samprate", str(RATE), "-raw", "yes", "-input_endian", "little",
        "-c", work / "fileids", "-di", work / "raw", "-do", work / "mfc",
        "-ei", "raw", "-eo", "mfc")  # fmt: skip
    (work / "acc").mkdir()
    run(TRAIN / "bw", "-hmmdir", hmm, "-moddeffn", hmm / "mdef", "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd",
        "-svspec", "0-12/13-25/26-38", "-cmn", "current", "-agc", "none", "-dictfn", work / "dict",
        "-fdictfn", hmm / "noisedict", "-ctlfn", work / "fileids", "-lsnfn", work / "transcription",
        "-cepdir", work / "mfc", "-cepext", "mfc", "-accumdir", work / "acc")  # fmt: skip
    ADAPTED.mkdir(exist_ok=True)
    run(TRAIN / "map_adapt", "-moddeffn", hmm / "mdef", "-ts2cbfn", ".ptm.", "-meanfn", hmm / "means",
        "-varfn", hmm / "variances", "-mixwfn", hmm / "mixture_weights",
        "-tmatfn", hmm / "transition_matrices",
        "-accumdir", work / "acc", "-mapmeanfn", ADAPTED / "means", "-mapvarfn", ADAPTED / "variances",
        "-mapmixwfn", work / "mixture_weights", "-maptmatfn", work / "transition_matrices")  # fmt: skip


def general_words() -> None:
    """The likeliest words of pocketsphinx's general English model, plain words as the corpus spells them."""
    from pocketsphinx import NGramModel

    general = NGramModel.readfile(str(model_dir() / "en-us.lm.bin"))
    log10_step = math.log10(1.0001)  # prob() answers in steps of log base 1.0001
    scored = []
    for line in (model_dir() / "cmudict-en-us.dict").read_text(encoding="utf-8").splitlines():
        word = line.split(" ", 1)[0]
        if normalise(word) == [word]:
            scored.append((general.prob([word]) * log10_step, word))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    lines = [f"{word}\t{logp:.4f}" for logp, word in scored[:GENERAL_WORDS]]
    header = ("# The likeliest words of pocketsphinx's general English language model (en-us.lm.bin) with\n"
              "# their log10 unigram probabilities: made by tools/adapt_listening_model.py.\n")  # fmt: skip
    GENERAL.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="adapt-listening-") as folder:
        work = Path(folder)
        takes = speak_all(work)
        print(f"{len(takes)} takes of {len(sentences())} sentences in voices {', '.join(voices())}")
        adapt(work, takes)
    general_words()
    print(f"wrote {ADAPTED}/means, {ADAPTED}/variances and {GENERAL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
