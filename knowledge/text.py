"""Text helpers shared by retrieval and other modules: normalisation, diacritic folding,
language detection and keyword tokenisation.

Customers often type Vietnamese without accents ("phi thuong nien" for "phí thường niên"),
so the keyword side works on folded text: both corpus and query are folded the same way.
spaCy (English tokenisation) is imported on first use only, so importing this module
stays cheap.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from chattext.fold import fold

Lang = Literal["vi", "en"]

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\ufeff]")
_SPACE = re.compile(r"\s+")
# Letters that occur in Vietnamese but not in plain English text (base letters and tone marks).
_VI_CHARS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
# Frequent Vietnamese words as customers type them without accents. Words that are also
# common English words ("the" for "thẻ", "an", "to") are left out on purpose.
_VI_PLAIN_WORDS = frozenset(
    """toi minh ban khong co la cua cho va voi duoc bi nhu nao sao gi bao nhieu lam muon
    can phai thi ma nay kia roi chua nhe a oi vay tai khoan ngan hang tien phi lai suat
    vay gui tiet kiem mat khau dang nhap chi nhanh gio mo cua diem thuong doi hoan khoa
    tra gop han muc tin dung giao dich ngoai te du lich""".split()
)
_EN_WORDS = frozenset(
    """the a an is are was what how why when where which who can could do does did my i
    you your to of for in on with and or not it this that be have has please card fee""".split()
)


def normalize(text: str) -> str:
    """NFC-normalise, drop control and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def fold_diacritics(text: str) -> str:
    """Remove accents and tone marks ("Thẻ tín dụng" -> "The tin dung"; "đ" -> "d")."""
    return fold(text)


def has_vietnamese_marks(text: str) -> bool:
    return any(ch in _VI_CHARS for ch in text.lower())


def detect_language(text: str) -> Lang:
    """ "vi" if the text has Vietnamese letters or reads like unaccented Vietnamese, else "en"."""
    if has_vietnamese_marks(text):
        return "vi"
    words = re.findall(r"[a-z]+", text.lower())
    if not words:
        return "en"
    vi = sum(w in _VI_PLAIN_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    return "vi" if vi > en else "en"


_NLP: dict[str, Any] = {}
_NLP_LOCK = threading.Lock()
_ALNUM_RUNS = re.compile(r"[^0-9a-z]+")


def _nlp(lang: Lang) -> Any:
    # English uses spaCy's rule tokenizer.
    if lang not in _NLP:
        with _NLP_LOCK:
            if lang not in _NLP:
                import spacy

                _NLP[lang] = spacy.blank(lang)
    return _NLP[lang]


def _vietnamese_tokens(text: str) -> list[str]:
    """Folded syllables plus every pair of adjacent syllables ("the", "tin", "dung",
    "the_tin", "tin_dung").

    Most Vietnamese words are two syllables, so adjacent pairs stand in for words without
    a segmenter, and they come out the same whether or not the text has accents, where
    a segmenter splits unaccented text differently. On UIT-ViCoV19QA BM25 recall@1 rose
    from 0.242 (pyvi words + syllables) to 0.289, and tokenising needs no model.
    """
    syllables = [p for p in _ALNUM_RUNS.split(fold_diacritics(text).lower()) if p]
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


@lru_cache(maxsize=4096)
def _tokens_cached(text: str, lang: Lang) -> tuple[str, ...]:
    if lang == "vi":
        return tuple(_vietnamese_tokens(text))
    doc = _nlp(lang)(text)
    out: list[str] = []
    for tok in doc:
        if tok.is_punct or tok.is_space:
            continue
        word = fold_diacritics(tok.text.lower())
        out.extend(p for p in _ALNUM_RUNS.split(word) if p)
    return tuple(out)


def keyword_tokens(text: str, lang: Lang | None = None) -> list[str]:
    """Lower-cased, diacritic-free tokens for keyword search (Vietnamese: syllables and
    syllable pairs)."""
    text = normalize(text)
    return list(_tokens_cached(text, lang or detect_language(text)))


# Sentence ends and line breaks, where an answer's lead may be cut.
_SEGMENTS = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def answer_lead(
    answer: str, greeting_chars: int = 30, min_chars: int = 150, max_chars: int = 300
) -> str:
    """The opening of an answer: its first sentences, from ``min_chars`` up to ``max_chars``.

    Short opening lines ("Chào bạn!", "Dear customer,") are greetings and are skipped. An
    answer usually says its point first, and a long answer's vector is diluted by the
    advice that follows; the lead is indexed as a field of its own (see retriever.py).
    Returns "" when the lead would be the whole answer.
    """
    parts = [p.strip() for p in _SEGMENTS.split(answer) if p.strip()]
    while len(parts) > 1 and len(parts[0]) < greeting_chars:
        parts.pop(0)
    lead = ""
    for part in parts:
        lead = f"{lead} {part}".strip()
        if len(lead) >= min_chars:
            break
    lead = normalize(lead[:max_chars])
    return "" if lead == normalize(answer) else lead


_SYLLABLE = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class QuestionPhrases:
    """Vietnamese question and courtesy phrases ("như thế nào", "cho em hỏi", "được không")
    that a Vietnamese query's keyword side leaves out: they say how something is asked, not
    what about, and they weigh in the score's normalisation.

    Phrases are matched whole, on the accented text: dropping every syllable of a phrase
    without its accents took "thẻ" (from "thế nào"), "vay" (vậy), "tài" (tại sao), "ví"
    (vì sao) and "sao" (sao kê, from "làm sao") out of every query. Text typed without
    accents is matched on its re-accented form when one is given; otherwise only phrases
    of two syllables or more are matched, without accents ("lam sao", "bao nhieu"), since
    a lone unaccented syllable ("vay", "the") is as likely a content word.
    """

    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @classmethod
    def of(cls, phrases: list[str]) -> QuestionPhrases:
        split = {tuple(_syllables(p)) for p in phrases}
        # Longest first, so "không ạ" is taken before "không".
        return cls(tuple(sorted((p for p in split if p), key=lambda p: (-len(p), p))))

    def remaining(self, text: str, restored: str | None = None) -> list[str]:
        """The runs of `text` left once the phrases are taken out, each run as its own
        text, so that no syllable pair spans a removed phrase."""
        words = _syllables(text)
        phrases = self.phrases
        match_words = words
        if not has_vietnamese_marks(text):
            guess = _syllables(restored) if restored else []
            if len(guess) == len(words) and has_vietnamese_marks(restored or ""):
                match_words = guess
            else:
                match_words = [fold_diacritics(w) for w in words]
                phrases = tuple(
                    tuple(fold_diacritics(s) for s in p) for p in self.phrases if len(p) > 1
                )
        drop = [False] * len(words)
        i = 0
        while i < len(words):
            step = 1
            for phrase in phrases:
                if tuple(match_words[i : i + len(phrase)]) == phrase:
                    drop[i : i + len(phrase)] = [True] * len(phrase)
                    step = len(phrase)
                    break
            i += step
        runs: list[str] = []
        current: list[str] = []
        for word, dropped in zip(words, drop, strict=True):
            if not dropped:
                current.append(word)
            elif current:
                runs.append(" ".join(current))
                current = []
        if current:
            runs.append(" ".join(current))
        return runs


def _syllables(text: str) -> list[str]:
    return _SYLLABLE.findall(unicodedata.normalize("NFC", text).lower())


def load_question_phrases(path: Path | None) -> QuestionPhrases:
    """The phrases listed in a YAML file (``phrases: [...]``); no path or a missing file
    means none."""
    if path is None or not Path(path).exists():
        return QuestionPhrases()
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    phrases = data.get("phrases") or []
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        raise ValueError(f"{path}: expected `phrases:` with a list of texts")
    return QuestionPhrases.of(phrases)
