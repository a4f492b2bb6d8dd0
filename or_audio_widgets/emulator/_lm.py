"""A trigram language model in ARPA text, built from sentences: what the offline recogniser expects to hear.

Interpolated absolute discounting, written in ARPA's backoff form: for a history ``h`` seen ``c(h)`` times
with ``t(h)`` different next words, a seen word gets ``(c(h, w) - D + D t(h) P'(w)) / c(h)`` and every
other word ``D t(h) / c(h) * P'(w)``, so the backoff weight of ``h`` is exactly ``D t(h) / c(h)`` (``P'``
is the same rule one word of history shorter, down to unigrams smoothed towards uniform). ``D`` comes from
the counts of counts of each order (Ney's estimate), kept within 0.1 .. 0.9.

The unigrams may be mixed with a prior: general word probabilities (``prior``, weight ``prior_weight``), so
that words the sentences never use stay within reach, each as likely as it is in English at large.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable

ORDER = 3
START, END = "<s>", "</s>"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_Gram = tuple[str, ...]


def normalise(text: str) -> list[str]:
    """Lowercase words (apostrophes kept inside them), the way the recogniser's dictionary spells them."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def sentences_of(text: str) -> list[list[str]]:
    """Split a text into sentences (at . ! ? and line ends) of normalised words; empty ones dropped."""
    pieces = re.split(r"[.!?]+(?:\s+|$)|\n", text)
    return [words for words in map(normalise, pieces) if words]


class Counts:
    """Weighted n-gram counts, orders 1 to ``ORDER``; sentences may count more than once (``weight``)."""

    def __init__(self) -> None:
        self.grams: list[dict[_Gram, float]] = [defaultdict(float) for _ in range(ORDER)]

    def add(self, words: list[str], weight: float = 1.0) -> None:
        """Count one sentence, with its start and end marks."""
        padded = [START, *words, END]
        for n in range(1, ORDER + 1):
            for i in range(max(0, len(padded) - n + 1)):
                gram = tuple(padded[i : i + n])
                if gram != (START,):
                    self.grams[n - 1][gram] += weight

    def merged(self, other: Counts) -> Counts:
        """A new table holding both."""
        both = Counts()
        for mine, theirs, out in zip(self.grams, other.grams, both.grams, strict=True):
            for table in (mine, theirs):
                for gram, count in table.items():
                    out[gram] += count
        return both


def _discount(table: dict[_Gram, float]) -> float:
    ones = sum(1 for c in table.values() if c <= 1.0)
    twos = sum(1 for c in table.values() if 1.0 < c <= 2.0)
    return min(0.9, max(0.1, ones / (ones + 2 * twos))) if ones else 0.5


class _Model:
    """Probabilities and backoff weights, filled order by order."""

    def __init__(
        self,
        counts: Counts,
        prior: dict[str, float] | None = None,
        prior_weight: float = 0.0,
    ) -> None:
        self.counts = counts
        self.prior, self.prior_weight = (prior or {}), (prior_weight if prior else 0.0)
        self.prob: list[dict[_Gram, float]] = [{} for _ in range(ORDER)]
        self.backoff: list[dict[_Gram, float]] = [{} for _ in range(ORDER)]
        self._unigrams()
        for n in range(2, ORDER + 1):
            self._order(n)

    def _unigrams(self) -> None:
        table = self.counts.grams[0]
        total, discount = sum(table.values()), _discount(table)
        for (word,), count in table.items():
            # the discounted mass goes to all words alike, so no word is ever impossible
            self.prob[0][(word,)] = (max(count - discount, 0.0) + discount) / total
        norm = sum(self.prob[0].values())
        for gram in self.prob[0]:
            self.prob[0][gram] *= (1.0 - self.prior_weight) / norm
        if self.prior_weight:
            prior_norm = sum(self.prior.values())
            for word, p in self.prior.items():
                gram = (word,)
                self.prob[0][gram] = self.prob[0].get(gram, 0.0) + self.prior_weight * p / prior_norm

    def lower(self, gram: _Gram) -> float:
        """P(last word | the rest), backing off as far as needed."""
        n = len(gram)
        found = self.prob[n - 1].get(gram)
        if found is not None:
            return found
        return self.backoff[n - 2].get(gram[:-1], 1.0) * self.lower(gram[1:])

    def _order(self, n: int) -> None:
        table = self.counts.grams[n - 1]
        discount = _discount(table)
        totals: dict[_Gram, float] = defaultdict(float)
        types: dict[_Gram, int] = defaultdict(int)
        for gram, count in table.items():
            totals[gram[:-1]] += count
            types[gram[:-1]] += 1
        for gram, count in table.items():
            history = gram[:-1]
            share = discount * types[history] * self.lower(gram[1:])
            self.prob[n - 1][gram] = (max(count - discount, 0.0) + share) / totals[history]
        for history, total in totals.items():
            self.backoff[n - 2][history] = discount * types[history] / total


def arpa(counts: Counts, prior: dict[str, float] | None = None, prior_weight: float = 0.0) -> str:
    """The model of ``counts`` as ARPA text (log10 probabilities), ready for pocketsphinx to load; unigrams
    mixed with ``prior`` (word -> probability, normalised here) at ``prior_weight`` when one is given."""
    model = _Model(counts, prior, prior_weight)
    model.prob[0][(START,)] = 0.0  # a sentence start is never predicted: ARPA writes it as -99
    lines = ["\\data\\"]
    lines += [f"ngram {n}={len(model.prob[n - 1])}" for n in range(1, ORDER + 1)]
    for n in range(1, ORDER + 1):
        lines += ["", f"\\{n}-grams:"]
        backoffs = model.backoff[n - 1] if n < ORDER else {}
        for gram in sorted(model.prob[n - 1]):
            p = model.prob[n - 1][gram]
            logp = -99.0 if p <= 0 else math.log10(p)
            line = f"{logp:.5f} {' '.join(gram)}"
            if n < ORDER:
                line += f" {math.log10(backoffs[gram]) if gram in backoffs else 0.0:.5f}"
            lines.append(line)
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def vocabulary(counts: Counts) -> Iterable[str]:
    """The words of the model, marks excluded."""
    return (gram[0] for gram in counts.grams[0] if gram[0] not in (START, END))
