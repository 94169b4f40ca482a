"""Put the accents back on Vietnamese typed without them, using the indexed texts' own words.

The embedding model reads unaccented Vietnamese poorly: on UIT-ViCoV19QA, dense recall@1
of questions typed without accents against accented answers is near zero. The keyword side
folds both sides and does not care, but the dense side needs the accented form. Most of a
customer's words are in the corpus they search (the FAQ talks about the same things), so
a bigram model of the corpus's syllables, decoded with Viterbi, restores them well;
syllables the corpus never saw are kept as typed.

Counts are updated in place as entries are added and removed, like the keyword index.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from knowledge.text import fold_diacritics, has_vietnamese_marks

_WORD = re.compile(r"\w+")
# Accented forms considered for one folded syllable ("co" has a dozen; the rest are rare).
_CANDIDATES = 5


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    return fold_diacritics(word)


def _syllables(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class AccentRestorer:
    """A bigram language model over the corpus's accented syllables (Witten-Bell smoothed),
    decoded over the spellings that fold to what the customer typed."""

    def __init__(self) -> None:
        self._forms: dict[str, Counter[str]] = {}  # folded syllable -> accented spellings
        self._next: dict[str, Counter[str]] = {}  # accented syllable -> the ones after it
        self._after: Counter[str] = Counter()  # accented syllable -> times it has a successor
        self._total = 0

    def __len__(self) -> int:
        return len(self._forms)

    @staticmethod
    def _bump(table: dict[str, Counter[str]], key: str, item: str, sign: int) -> None:
        counter = table.setdefault(key, Counter())
        counter[item] += sign
        if counter[item] <= 0:
            del counter[item]
            if not counter:
                del table[key]

    def _update(self, text: str, sign: int) -> None:
        if not has_vietnamese_marks(text):
            return  # unaccented or English text says nothing about accents
        words = _syllables(text)
        for word in words:
            self._bump(self._forms, _fold(word), word, sign)
        self._total += sign * len(words)
        for previous, word in zip(words, words[1:], strict=False):
            self._bump(self._next, previous, word, sign)
            self._after[previous] += sign
            if self._after[previous] <= 0:
                del self._after[previous]

    def add(self, text: str) -> None:
        self._update(text, 1)

    def remove(self, text: str) -> None:
        self._update(text, -1)

    def _candidates(self, word: str) -> list[tuple[str, float]]:
        """(spelling, corpus probability) for the spellings of a typed syllable; the word
        itself, with a nominal probability, when the corpus never saw it."""
        forms = self._forms.get(_fold(word))
        if not forms:
            return [(word, 1.0 / (self._total + 1))]
        return [(form, n / self._total) for form, n in forms.most_common(_CANDIDATES)]

    def _transition(self, previous: str, form: str, p_form: float) -> float:
        # Witten-Bell: the unseen-pair mass grows with how many different syllables
        # follow `previous`.
        following = self._next.get(previous)
        if not following:
            return p_form
        seen = len(following)
        return (following.get(form, 0) + seen * p_form) / (self._after[previous] + seen)

    def restore(self, text: str) -> str:
        """The most likely accented spelling of ``text`` (case kept, letters unchanged)."""
        if not self._forms or has_vietnamese_marks(text):
            return text
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        if not spans:
            return text
        lattice = [self._candidates(text[s:e].lower()) for s, e in spans]
        scores = [math.log(p) for _, p in lattice[0]]
        back: list[list[int]] = []
        for position in range(1, len(lattice)):
            previous_options = lattice[position - 1]
            row_scores, row_back = [], []
            for form, p_form in lattice[position]:
                best, arg = -math.inf, 0
                for j, (previous, _) in enumerate(previous_options):
                    score = scores[j] + math.log(self._transition(previous, form, p_form))
                    if score > best:
                        best, arg = score, j
                row_scores.append(best)
                row_back.append(arg)
            scores = row_scores
            back.append(row_back)
        pick = max(range(len(scores)), key=scores.__getitem__)
        chosen = [pick]
        for row in reversed(back):
            pick = row[pick]
            chosen.append(pick)
        chosen.reverse()
        out, last = [], 0
        for (start, end), options, index in zip(spans, lattice, chosen, strict=True):
            original = text[start:end]
            form = options[index][0]
            if original[:1].isupper():
                form = form[:1].upper() + form[1:]
            out.append(text[last:start] + form)
            last = end
        return "".join(out) + text[last:]
