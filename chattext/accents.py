"""Put the accents back on Vietnamese typed without them ("the tin dung cua toi bi khoa" ->
"thẻ tín dụng của tôi bị khóa").

The sentence model reads unaccented Vietnamese poorly (on UIT-ViCoV19QA, dense recall@1 of
questions typed without accents against accented answers is near zero), while customers
type that way all the time. Most of what they write is about what the project's own texts
talk about, so a bigram model of the syllables of those texts, decoded with Viterbi over
the spellings that fold to what was typed, restores it well; a syllable the model never
saw is kept as typed.

Two uses:
- the shipped model (`shipped_restorer()`, `chattext/accents.json.gz`), trained offline
  from the project's Vietnamese texts by `scripts/build_accents.py`, read on first use;
- a model of the knowledge corpus's own texts, updated in place as entries are added and
  removed (`knowledge/retriever.py`).

Pure Python and the standard library: both virtualenvs import it.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from chattext.fold import fold

SHIPPED_PATH = Path(__file__).resolve().parent / "accents.json.gz"
FORMAT = 1

_WORD = re.compile(r"\w+")
# Accented forms considered for one folded syllable ("co" has a dozen; the rest are rare).
_CANDIDATES = 5
# Letters only Vietnamese spelling produces here (base letters with marks and tone marks).
_MARKED = frozenset("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook, dot
# Open syllables ending in these pairs take their tone on either vowel ("khóa"/"khoá",
# "thúy"/"thuý"); both spellings are correct and the project's texts use both.
_TONE_PAIRS = ("oa", "oe", "uy")


def has_marks(text: str) -> bool:
    """True when the text holds any Vietnamese accented letter."""
    return any(ch in _MARKED for ch in unicodedata.normalize("NFC", text).lower())


def canonical_tone(syllable: str) -> str:
    """One spelling for the two tone placements of "oa", "oe", "uy": on the first vowel
    ("khoá" -> "khóa", "thuý" -> "thúy"), the one the corpus uses most."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) != 1:
        return syllable
    bare = "".join(ch for ch in decomposed if ch not in _TONES)
    base = fold(bare).lower()
    if not base.endswith(_TONE_PAIRS) or base.startswith("qu"):
        return syllable
    # Put the tone right after the first vowel of the final pair (its base letter and
    # any of its own marks, such as a circumflex).
    composed = unicodedata.normalize("NFC", bare)
    index = len(composed) - 2
    return unicodedata.normalize("NFC", composed[: index + 1] + tones[0] + composed[index + 1 :])


@lru_cache(maxsize=65536)
def _fold_lower(word: str) -> str:
    return fold(word).lower()


def syllables(text: str) -> list[str]:
    """The lower-cased syllables (word-character runs) of a text, tone placement unified."""
    return [canonical_tone(w) for w in _WORD.findall(unicodedata.normalize("NFC", text).lower())]


class AccentRestorer:
    """A bigram language model over accented syllables (Witten-Bell smoothed), decoded over
    the spellings that fold to what the customer typed."""

    def __init__(self) -> None:
        self._forms: dict[str, Counter[str]] = {}  # folded syllable -> accented spellings
        self._next: dict[str, Counter[str]] = {}  # accented syllable -> the ones after it
        self._after: Counter[str] = Counter()  # accented syllable -> times it has a successor
        self._total = 0
        # Folded syllables taught by text before any lexicon word was added.
        self._known: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self._forms)

    @staticmethod
    def _bump(table: dict[str, Counter[str]], key: str, item: str, count: int) -> None:
        counter = table.setdefault(key, Counter())
        counter[item] += count
        if counter[item] <= 0:
            del counter[item]
            if not counter:
                del table[key]

    def _update(self, text: str, count: int, backoff: bool = False) -> None:
        if not has_marks(text):
            return  # unaccented or English text says nothing about accents
        words = syllables(text)
        for word in words:
            folded = _fold_lower(word)
            if backoff and folded in self._known:
                continue
            self._bump(self._forms, folded, word, count)
            self._total += count
        for previous, word in zip(words, words[1:], strict=False):
            self._bump(self._next, previous, word, count)
            self._after[previous] += count
            if self._after[previous] <= 0:
                del self._after[previous]

    def add(self, text: str, weight: int = 1) -> None:
        """Count the syllables of an accented text (`weight` times)."""
        self._update(text, weight)

    def add_lexicon_word(self, word: str) -> None:
        """Count a dictionary word: its syllable pairs, and its spellings only of syllables
        no text taught. A word list says which spellings exist, not how often each is
        written: counted as text, its rare syllables ("lục", "cửa") beat the frequent ones
        ("lúc", "của") and cost 2 points on the banking development set."""
        if not self._known:
            self._known = frozenset(self._forms)
        self._update(word, 1, backoff=True)

    def remove(self, text: str) -> None:
        """Undo one `add` of the same text."""
        self._update(text, -1)

    # -- saving and loading --------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The counts, in the shipped file's layout (unigrams and bigrams by spelling)."""
        unigrams: Counter[str] = Counter()
        for forms in self._forms.values():
            unigrams.update(forms)
        return {
            "format": FORMAT,
            "unigrams": dict(sorted(unigrams.items())),
            "bigrams": {k: dict(sorted(v.items())) for k, v in sorted(self._next.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccentRestorer:
        if data.get("format") != FORMAT:
            raise ValueError(f"accent model format {data.get('format')!r}, expected {FORMAT}")
        restorer = cls()
        for word, n in data["unigrams"].items():
            restorer._bump(restorer._forms, _fold_lower(word), word, int(n))
            restorer._total += int(n)
        for previous, following in data["bigrams"].items():
            restorer._next[previous] = Counter({w: int(n) for w, n in following.items()})
            restorer._after[previous] = sum(restorer._next[previous].values())
        return restorer

    def save(self, path: Path) -> None:
        # mtime=0: the same counts give the same bytes, so a rebuild shows no diff.
        raw = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        with (
            open(path, "wb") as handle,
            gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9) as out,
        ):
            out.write(raw.encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> AccentRestorer:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))

    # -- decoding ------------------------------------------------------------------------

    def _candidates(self, word: str) -> list[tuple[str, float]]:
        """(spelling, probability) for the spellings of a typed syllable; the word itself,
        with a nominal probability, when the model never saw it."""
        forms = self._forms.get(_fold_lower(word))
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
        """The most likely accented spelling of ``text`` (case kept, other characters
        unchanged); text that already has accents is returned as it is."""
        if not self._forms or has_marks(text):
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
            if original.isupper() and len(original) > 1:
                form = form.upper()
            elif original[:1].isupper():
                form = form[:1].upper() + form[1:]
            out.append(text[last:start] + form)
            last = end
        return "".join(out) + text[last:]


_SHIPPED_LOCK = threading.Lock()
_shipped: AccentRestorer | None = None


def shipped_restorer() -> AccentRestorer:
    """The model shipped with the package, read on first use (an empty model if the file
    is missing, which restores nothing)."""
    global _shipped
    if _shipped is None:
        with _SHIPPED_LOCK:
            if _shipped is None:
                _shipped = (
                    AccentRestorer.load(SHIPPED_PATH) if SHIPPED_PATH.exists() else AccentRestorer()
                )
    return _shipped


def shipped_loaded() -> bool:
    """Whether the shipped model has been read yet (it is read on first use only)."""
    return _shipped is not None


def restore_accents(text: str) -> str:
    """`text` with its accents restored by the shipped model."""
    return shipped_restorer().restore(text)
