"""Listening offline: pocketsphinx, its English acoustic model adapted to espeak-ng, and a language model.

The acoustic model is pocketsphinx's English one with its Gaussians' means and variances moved towards
espeak-ng's speech (``listening_model/``, made by ``tools/adapt_listening_model.py`` from the corpus
sentences read by the emulator's voices): trained on recordings of people, the stock model misreads
synthetic speech, which is all the emulator hears offline (its own replies, the tests' fake microphone).

The language model is a trigram model (see ``_lm``) of the sentences in ``listening_corpus.txt``, written
for this package, and of every text the emulator has said in this process (``_said``), which count
``SAID_WEIGHT`` times as much: audio the emulator spoke and is sent back is the commonest input offline.
Its unigrams are mixed (``GENERAL_WEIGHT``) with the 10,000 likeliest words of pocketsphinx's general
English model (``listening_words.txt``), so that everyday words the corpus lacks can still be heard.
It is still recognition of the audio: the model only says which word sequences are likely.

Each recognised word carries pocketsphinx's posterior probability (from its word lattice); a take whose
words are, on average, less likely than ``MIN_CONFIDENCE``, or that holds no words, is unclear; so is one
whose words last longer than ``MAX_WORD_SECONDS`` on average (a tone or a hum read as one long "the").
"""

from __future__ import annotations

import os
import queue
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _said
from ._lm import Counts, arpa, sentences_of
from ._phones import espeak_phones
from ._quiet import LEAD, RATE, condition

CORPUS = Path(__file__).with_name("listening_corpus.txt")
GENERAL = Path(__file__).with_name("listening_words.txt")
ADAPTED = Path(__file__).with_name("listening_model")
SAID_WEIGHT = 4.0
GENERAL_WEIGHT = 0.2
MIN_CONFIDENCE = 0.4  # foreign speech read as English words averages 0.2 to 0.4 (French, Polish, Spanish)
MAX_WORD_SECONDS = 0.45  # spoken words last about 0.2 s on average (espeak-ng's as a person's)
_FRAME = 0.01  # seconds per recogniser frame
_SLICE = RATE // 10 * 2  # bytes of 16 kHz pcm16 in 0.1 s
_ALTERNATE = re.compile(r"\(\d+\)$")  # "the(2)": the dictionary's second pronunciation of "the"
# Decoders are slow to load and not safe across threads: idle ones wait here, at most one per core.
_idle: queue.LifoQueue[_Ear] = queue.LifoQueue()
_made = threading.Semaphore(os.cpu_count() or 1)
_model_lock = threading.Lock()
_model: _Language | None = None
_corpus: Counts | None = None
_general: dict[str, float] = {}


@dataclass(frozen=True)
class Listened:
    """What was made out of a take: its words ("" when unclear) and how sure the recogniser was (0..1)."""

    words: str
    confidence: float

    @property
    def clear(self) -> bool:
        """Whether any words were made out with enough confidence."""
        return bool(self.words)


@dataclass(frozen=True)
class _Language:
    version: int
    arpa: str
    words: frozenset[str]


@dataclass(frozen=True)
class _Word:
    """A recognised word: its posterior probability and its first and last recogniser frames."""

    word: str
    prob: float
    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start + 1


@dataclass
class _Ear:
    decoder: Any
    version: int = -1


def listen(pcm: bytes) -> Listened | None:
    """The words in mono 16 kHz pcm16, with a confidence; None when pocketsphinx is not installed."""
    words = _take(pcm)
    return None if words is None else judge([(w.word, w.prob, w.frames) for w in words])


def listen_timed(pcm: bytes) -> list[tuple[str, float, float]] | None:
    """The words in mono 16 kHz pcm16 with their start and end in seconds ([] when unclear); None when
    pocketsphinx is not installed. The same take as :func:`listen`, with the recogniser's frame times."""
    words = _take(pcm)
    if words is None:
        return None
    if not judge([(w.word, w.prob, w.frames) for w in words]).clear:
        return []
    # the recogniser heard the take after LEAD samples of hiss: its frame times are moved back by as much
    lead, seconds = LEAD / RATE, len(pcm) / 2 / RATE
    return [(w.word, min(max(w.start * _FRAME - lead, 0.0), seconds),
             min(max((w.end + 1) * _FRAME - lead, 0.0), seconds)) for w in words]  # fmt: skip


def judge(segments: list[tuple[str, float, int]]) -> Listened:
    """Words with their posteriors and frames (fillers left out) to what was heard, or unclear."""
    if not segments:
        return Listened("", 0.0)
    confidence = sum(p for _, p, _ in segments) / len(segments)
    seconds = sum(frames for _, _, frames in segments) * _FRAME / len(segments)
    if confidence < MIN_CONFIDENCE or seconds > MAX_WORD_SECONDS:
        return Listened("", confidence)
    return Listened(" ".join(word for word, _, _ in segments), confidence)


def language() -> _Language:
    """The language model for what the emulator has said so far, rebuilt when that changed."""
    global _model, _corpus, _general
    version, texts = _said.said()
    with _model_lock:
        if _model is not None and _model.version == version:
            return _model
        if _corpus is None:
            _corpus, _general = corpus_counts(), general_words()
        session = Counts()
        for text in texts:
            for sentence in sentences_of(text):
                session.add(sentence, SAID_WEIGHT)
        counts = _corpus.merged(session)
        text = arpa(counts, _general, GENERAL_WEIGHT)
        _model = _Language(version, text, frozenset(g[0] for g in counts.grams[0]))
        return _model


def corpus_counts() -> Counts:
    """The n-gram counts of the corpus shipped with the package."""
    counts = Counts()
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            for sentence in sentences_of(line):
                counts.add(sentence)
    return counts


def general_words() -> dict[str, float]:
    """Probabilities of everyday English words, from the list shipped with the package ({} without it)."""
    words = {}
    if GENERAL.exists():
        for line in GENERAL.read_text(encoding="utf-8").splitlines():
            word, _, logp = line.partition("\t")
            if logp and not word.startswith("#"):
                words[word] = 10.0 ** float(logp)
    return words


def _adapted() -> dict[str, str]:
    """The decoder's options for the adapted means and variances ({}: the stock model, without them)."""
    means, variances = ADAPTED / "means", ADAPTED / "variances"
    return {"mean": str(means), "var": str(variances)} if means.exists() and variances.exists() else {}


def _checkout() -> _Ear:
    from pocketsphinx import Decoder

    try:
        return _idle.get_nowait()
    except queue.Empty:
        if _made.acquire(blocking=False):
            return _Ear(Decoder(samprate=RATE, loglevel="FATAL", **_adapted()))
        return _idle.get()


def _tune(ear: _Ear, model: _Language) -> None:
    """Give a decoder the current language model, teaching it first the words its dictionary lacks."""
    if ear.version == model.version:
        return
    from pocketsphinx import NGramModel

    decoder = ear.decoder
    missing = sorted(w for w in model.words if "<" not in w and decoder.lookup_word(w) is None)
    for word, phones in espeak_phones(missing).items():
        decoder.add_word(word, phones, False)
    # pocketsphinx reads a model from a file only; the file goes as soon as it is read
    fd, path = tempfile.mkstemp(prefix="or-audio-emulator-", suffix=".arpa")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(model.arpa)
        lm = NGramModel(decoder.config, decoder.logmath, path)
    finally:
        os.unlink(path)
    decoder.add_lm("heard", lm)
    decoder.activate_search("heard")
    ear.version = model.version


def _take(pcm: bytes) -> list[_Word] | None:
    """One take through an idle decoder tuned to the current language model; None without pocketsphinx."""
    try:
        from pocketsphinx import Decoder  # noqa: F401 - only to know that it is there
    except ImportError:
        return None
    ear = _checkout()
    try:
        _tune(ear, language())
        return _decode(ear.decoder, pcm)
    finally:
        _idle.put(ear)


def _decode(decoder: Any, pcm: bytes) -> list[_Word]:
    pcm = condition(pcm)
    # A first pass computes features only, so that the cepstral mean the search starts from is this
    # take's own. The running mean (and the noise estimate) blend in whatever the decoder heard before, so
    # the feature stage is reset first: the same audio then reads the same whatever came before.
    decoder.reinit_feat()
    _feed(decoder, pcm, no_search=True)
    _feed(decoder, pcm, no_search=False)
    if decoder.hyp() is None:
        return []
    # <s>, <sil>, [NOISE], ++BREATH++ are not words
    return [_Word(_ALTERNATE.sub("", s.word), float(s.prob), s.start_frame, s.end_frame)
            for s in decoder.seg() if s.word[:1] not in ("<", "[", "+")]  # fmt: skip


def _feed(decoder: Any, pcm: bytes, no_search: bool) -> None:
    decoder.start_utt()
    # A decoder call holds the GIL for as long as it runs: fed a tenth of a second at a time, it lets the
    # other threads of its process (a kernel sending a reply's audio to the page) run in between.
    for start in range(0, len(pcm), _SLICE):
        decoder.process_raw(pcm[start : start + _SLICE], no_search, False)
    decoder.end_utt()
