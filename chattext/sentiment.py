"""Sentiment and frustration of one customer message, offline, from a lexicon of cues.

A transparent model that an agent can read back: every verdict names the words that
decided it. The lexicon (``chattext/sentiment.yaml``) lists negative and positive cues with
weights; a message's raw score is the sum of the cues found in it, where

- text is compared as typed with diacritics and also without them ("that vong" finds
  "thất vọng"), after chat shorthand is expanded ("ko hài lòng" is "không hài lòng"); a
  one-syllable cue typed without accents that is also an everyday word ("toi": "tồi" or
  "tôi") counts only next to an intensifier;
- a negator up to a few words before a cue in the same clause turns it around: "không hài
  lòng" and "not happy" are negative, "không tệ", "no complaints" a mild positive;
- an intensifier next to a cue ("quá tệ", "bực ghê", "very disappointed") weighs it 1.5x;
- profanity ("đm", "wtf") is a strong negative cue on its own; a complaint shouted in
  capitals counts more, and "!!!"/"???" strengthen a negative message;
- the same complaint again ("lần thứ tư", "mấy lần rồi", "again and again") and waiting
  ("chờ mãi", "taking so long") are cues of their own.

A keyboard mash is never negative (``chattext.substance.looks_like_gibberish``): it scores
0. The raw score maps to ``score = tanh(raw / 2)`` in [-1, 1]; the thresholds on the raw
score (``NEGATIVE_AT``, ``POSITIVE_AT``, ``STRONG_AT``) were calibrated on the development
set ``tests/copilot/sentiment/dev.jsonl`` only.

Usage::

    s = score_sentiment("chờ mãi ko ai tl, bực ghê")
    s.label, s.strongly_negative, s.cues     # "negative", True, ("bực ghê", "chờ mãi", ...)
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from chattext.abbreviations import default_abbreviations
from chattext.accents import canonical_tone, has_marks
from chattext.fold import fold
from chattext.substance import looks_like_gibberish

LEXICON_PATH = Path(__file__).resolve().parent / "sentiment.yaml"
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
# Thresholds on the raw score (sum of cue weights), calibrated on the dev set.
NEGATIVE_AT = -0.6
POSITIVE_AT = 0.5
# Strongly negative: about two clear cues, or one strong cue intensified, or profanity.
STRONG_AT = -2.0
INTENSIFY = 1.5
SHOUTING = -0.8  # a message in capitals
EMPHASIS = -0.5  # "!!!" or "???" on a negative message
_SHOUT_LETTERS = 8
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_BREAK = re.compile(r"[,.;:!?()\n]")
_REPEATED_MARKS = re.compile(r"[!?]{2,}")


@dataclass(frozen=True)
class Sentiment:
    label: str  # "negative", "neutral" or "positive"
    score: float  # in [-1, 1]
    strongly_negative: bool
    cues: tuple[str, ...]  # the customer's words that decided it, strongest first
    raw: float = 0.0  # the sum of the cue weights
    # Every cue found, (weight, quoted words), either sign: a second-stage model that
    # overrules the label (bot/copilot/sentiment_model.py) quotes the cues of its own label.
    found: tuple[tuple[float, str], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class _Tok:
    word: str  # lower case, NFC, one tone placement
    plain: str  # without diacritics
    marked: bool
    source: int  # index of the customer's own word it comes from
    clause: int  # clause number: negation does not cross a comma or "mà"


@dataclass(frozen=True)
class Lexicon:
    cues: dict[str, list[tuple[tuple[str, ...], float]]]  # first plain word -> (words, weight)
    chat: dict[str, str]
    swearwords: frozenset[str]
    profanity: float
    intensifiers: tuple[tuple[str, ...], ...]
    negators: frozenset[str]
    plain_negators: frozenset[str]  # the same typed without accents ("khong")
    window: int
    negated_negative: float
    negated_positive: float
    breaks: frozenset[str]
    plain_needs_context: frozenset[str]


def _words(text: str) -> tuple[str, ...]:
    return tuple(
        canonical_tone(w) for w in _TOKEN.findall(unicodedata.normalize("NFC", text).lower())
    )


def _plain(word: str) -> str:
    return fold(word).lower()


def load_lexicon(path: Path | str = LEXICON_PATH) -> Lexicon:
    raw: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    cues: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for phrase, weight in (raw.get("cues") or {}).items():
        words = _words(str(phrase))
        if words:
            cues.setdefault(_plain(words[0]), []).append((words, float(weight)))
    for options in cues.values():
        options.sort(key=lambda o: -len(o[0]))  # longest first: "bất tiện" before "tiện"
    return Lexicon(
        cues=cues,
        chat={str(k).lower(): str(v) for k, v in (raw.get("chat") or {}).items()},
        swearwords=frozenset(_plain(str(w)) for w in raw.get("swearwords") or []),
        profanity=float(raw.get("profanity", -1.8)),
        intensifiers=tuple(
            sorted({_words(str(w)) for w in raw.get("intensifiers") or []}, key=len)
        ),
        negators=frozenset(_words(str(w))[0] for w in raw.get("negators") or []),
        plain_negators=frozenset(_plain(_words(str(w))[0]) for w in raw.get("negators") or []),
        window=int(raw.get("negation_window", 4)),
        negated_negative=float(raw.get("negated_negative", -0.6)),
        negated_positive=float(raw.get("negated_positive", -1.0)),
        breaks=frozenset(_words(" ".join(str(w) for w in raw.get("clause_breaks") or []))),
        plain_needs_context=frozenset(str(w) for w in raw.get("plain_needs_context") or []),
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The bundled lexicon, read once per process."""
    return load_lexicon()


def _tokens(text: str, lexicon: Lexicon) -> tuple[list[_Tok], list[tuple[int, int]]]:
    """The message's words after chat shorthand is expanded, each tied to the customer's
    own word (for quoting cues), and the spans of those own words."""
    abbreviations = default_abbreviations()
    expand = abbreviations.applies_to(text)
    out: list[_Tok] = []
    spans: list[tuple[int, int]] = []
    clause, last_end, previous_number = 0, 0, False
    for index, match in enumerate(_TOKEN.finditer(text)):
        if _BREAK.search(text[last_end : match.start()]):
            clause += 1
        last_end = match.end()
        spans.append(match.span())
        word = match.group()
        lowered = unicodedata.normalize("NFC", word).lower()
        expansion = lexicon.chat.get(lowered)
        if expansion is None and expand and not (previous_number and len(word) == 1):
            expansion = abbreviations.expansion(word, text)
        previous_number = word.isdigit()
        for part in _words(expansion or word):
            if part in lexicon.breaks:
                clause += 1
            out.append(_Tok(part, _plain(part), has_marks(part), index, clause))
    return out, spans


def _same(tok: _Tok, word: str) -> bool:
    """A word of the message is a word of the lexicon as written, or typed without accents."""
    return tok.word == word or (not tok.marked and tok.plain == _plain(word))


def _phrase_at(tokens: list[_Tok], i: int, words: tuple[str, ...]) -> bool:
    return i + len(words) <= len(tokens) and all(
        _same(tokens[i + k], w) for k, w in enumerate(words)
    )


def _intensifier(
    tokens: list[_Tok], start: int, end: int, lexicon: Lexicon
) -> tuple[int, int] | None:
    """The span of an intensifier right before or right after tokens[start:end]."""
    for words in lexicon.intensifiers:
        if _phrase_at(tokens, end, words):
            return end, end + len(words)
        if start - len(words) >= 0 and _phrase_at(tokens, start - len(words), words):
            return start - len(words), start
    return None


def _intensifier_at(tokens: list[_Tok], i: int, lexicon: Lexicon) -> int:
    """The length of the longest intensifier starting at tokens[i] (0 for none)."""
    return max((len(w) for w in lexicon.intensifiers if _phrase_at(tokens, i, w)), default=0)


def _negated(tokens: list[_Tok], start: int, lexicon: Lexicon) -> bool:
    clause = tokens[start].clause
    for j in range(start - 1, max(-1, start - 1 - lexicon.window), -1):
        if tokens[j].clause != clause:
            return False
        if tokens[j].word in lexicon.negators or (
            not tokens[j].marked and tokens[j].plain in lexicon.plain_negators
        ):
            return True
        if tokens[j].word.endswith(("n't", "n’t")):
            return True
    return False


def _quote(text: str, spans: list[tuple[int, int]], tokens: list[_Tok], a: int, b: int) -> str:
    first, last = tokens[a].source, tokens[b - 1].source
    return text[spans[first][0] : spans[last][1]]


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= _SHOUT_LETTERS and sum(c.isupper() for c in letters) >= 0.8 * len(
        letters
    )


def score_sentiment(text: str, lexicon: Lexicon | None = None) -> Sentiment:
    """The sentiment of one customer message, with the cues that decided it."""
    lexicon = lexicon or default_lexicon()
    text = unicodedata.normalize("NFC", text or "")
    if not text.strip() or text.strip().startswith("/") or looks_like_gibberish(text):
        return Sentiment(NEUTRAL, 0.0, False, ())
    tokens, spans = _tokens(text, lexicon)
    found: list[tuple[float, str]] = []  # (contribution, quoted words)
    strong = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.plain in lexicon.swearwords:
            found.append((lexicon.profanity, _quote(text, spans, tokens, i, i + 1)))
            strong = True
            i += 1
            continue
        # An intensifier is not a cue ("cực kỳ": its "kỳ" is not "kỹ") unless a longer cue
        # starts with it ("that vong" is "thất vọng" typed plain, "sick of").
        step = _intensifier_at(tokens, i, lexicon)
        for words, weight in lexicon.cues.get(tok.plain, ()):
            if len(words) <= step or not _phrase_at(tokens, i, words):
                continue
            end = i + len(words)
            around = _intensifier(tokens, i, end, lexicon)
            if (
                len(words) == 1
                and not tok.marked
                and tok.plain in lexicon.plain_needs_context
                and around is None
            ):
                continue  # "tien" alone is "tiền" as often as "tiện"
            if _negated(tokens, i, lexicon):
                weight = weight * (
                    lexicon.negated_negative if weight < 0 else lexicon.negated_positive
                )
            a, b = i, end
            if around is not None:
                weight *= INTENSIFY
                a, b = min(a, around[0]), max(b, around[1])
            if weight:  # a product term ("trả chậm") only keeps its words from other cues
                found.append((weight, _quote(text, spans, tokens, a, b)))
            i = end - 1
            break
        else:
            i += step - 1 if step else 0
        i += 1
    raw = sum(w for w, _ in found)
    # Capitals alone are also how some customers always type (caps lock): they count as
    # shouting only on a message that already complains or ends in "!!!"/"???".
    if _shouted(text) and (raw < 0 or _REPEATED_MARKS.search(text)):
        raw += SHOUTING
        found.append((SHOUTING, " ".join(text.split()[:6])))
    if raw < 0 and _REPEATED_MARKS.search(text):
        marks = _REPEATED_MARKS.search(text)
        raw += EMPHASIS
        found.append((EMPHASIS, marks.group() if marks else "!!!"))
    raw = round(raw, 3)
    label = NEGATIVE if raw <= NEGATIVE_AT else POSITIVE if raw >= POSITIVE_AT else NEUTRAL
    strongly = label == NEGATIVE and (raw <= STRONG_AT or strong)
    sign = -1 if label == NEGATIVE else 1 if label == POSITIVE else 0
    deciding = sorted((f for f in found if sign == 0 or f[0] * sign > 0), key=lambda f: -abs(f[0]))
    cues = tuple(dict.fromkeys(q for _, q in deciding))
    return Sentiment(label, round(math.tanh(raw / 2), 3), strongly, cues, raw, tuple(found))
