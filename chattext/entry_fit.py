"""Whether a knowledge entry found for a follow-up answers it: one found with the question
before must name what the follow-up adds ("còn thẻ ghi nợ thì sao?" is not answered by
the credit card's fee), and one found for the follow-up's own subject must name what the
question before asked ("còn vay mua xe thì sao?" after the home loan's rate is answered by
the car loan's rate, not by any car loan entry)."""

from __future__ import annotations

from chattext.language import EN, detect_language
from chattext.substance import (
    _FILLERS,
    _FUNCTION_WORDS,
    _QUESTION_WORDS,
    _fold,
    _tokens,
    asks_nothing_new,
    new_words,
    without_framing,
)


def _singular(folded: str) -> str:
    return folded[:-1] if len(folded) > 3 and folded.endswith("s") else folded


def entry_misses_follow_up(follow_up: str, before: str, entry_text: str) -> bool:
    """True when a follow-up names something of its own that an entry found in the
    context of the question before never mentions: "còn thẻ ghi nợ thì sao?" after the
    credit card's annual fee finds that fee again, which answers the question before, not
    this one. "còn thẻ Platinum thì sao?" names a card the entry prices, and a follow-up
    that adds no word of its own ("vậy còn phí thì sao?" after the fee) misses nothing."""
    if asks_nothing_new(follow_up):
        return False  # "h e làm gì đc ạ": its chat shorthand is no subject of its own
    own = [
        w for w in new_words(without_framing(follow_up), before) if _fold(w) not in _QUESTION_WORDS
    ]
    if not own:
        return False
    entry = {_singular(_fold(t)) for t in _tokens(entry_text)}
    return not any(_singular(_fold(w)) in entry for w in own)


# Words that ask an amount or a place, folded: no part of what a question is about.
_HOW_MUCH = frozenset("bao nhieu bn much many ad".split())


def _aspect_runs(before: str, subject: str) -> list[list[str]]:
    """What the question before asked, less what the follow-up's subject replaces: its
    folded words outside the subject, without the two after a word the two share ("thẻ
    tín dụng" gives way to "thẻ ghi nợ", "vay mua nhà" to "vay mua xe"), in runs of
    neighbours."""
    shared = {_fold(t) for t in _tokens(subject)}
    words = [_fold(t) for t in _tokens(before)]
    replaced = {i + d for i, w in enumerate(words) if w in shared for d in (1, 2)}
    ignored = shared | _QUESTION_WORDS | _FUNCTION_WORDS | _HOW_MUCH | _FILLERS
    runs: list[list[str]] = [[]]
    for i, word in enumerate(words):
        if i in replaced or word in ignored:
            runs.append([])
        else:
            runs[-1].append(_singular(word))
    return [run for run in runs if run]


def entry_keeps_the_question(before: str, subject: str, entry_text: str) -> bool:
    """True when an entry found for a follow-up's own subject ("vay mua xe" of "còn vay
    mua xe thì sao?" after the home loan's rate) names what the question before asked
    ("lãi suất"; two neighbouring words of it where it has two): it answers that question
    of the new subject. The ATM fee entry found for "thẻ ghi nợ" after the credit card's
    annual fee names "phí" but not "phí thường niên": it does not."""
    runs = _aspect_runs(before, subject)
    if not runs:
        return True
    entry = [_singular(_fold(t)) for t in _tokens(entry_text)]
    pairs = set(zip(entry, entry[1:], strict=False))
    if any(len(run) > 1 for run in runs):
        return any(pair in pairs for run in runs for pair in zip(run, run[1:], strict=False))
    return any(run[0] in entry for run in runs)


# English words that open a noun phrase without naming anything ("the debit card").
_ENGLISH_OPENERS = frozenset("the a an my your one ones".split())


def asks_of_a_sibling(subject: str, before: str) -> bool:
    """True when a follow-up's subject stands in for the subject of the question before:
    it begins or ends with a word that comes after what that question asked ("thẻ ghi nợ
    quốc tế" for the "thẻ tín dụng" of "phí thường niên thẻ tín dụng", "vay mua xe" for
    "vay mua nhà", "6 tháng" for "12 tháng", "the debit card" for "a credit card"), so
    the follow-up asks the same question of it. One that begins and ends with words of its
    own ("hạn mức chuyển tối đa một ngày" after the transfer fee), or replaces the
    question's opening ("rút ở nước ngoài" after "rút tiền ATM ngân hàng khác mất phí"),
    asks a question of its own."""
    words = [_singular(_fold(t)) for t in _tokens(subject)]
    words = [w for w in words if w not in _QUESTION_WORDS and w not in _HOW_MUCH]
    if detect_language(subject) == EN:
        words = [w for w in words if w not in _ENGLISH_OPENERS]
    if not words:
        return False
    earlier = [_singular(_fold(t)) for t in _tokens(before)]
    earlier = [w for w in earlier if w not in _QUESTION_WORDS and w not in _HOW_MUCH]
    at = {w: i for i, w in reversed(list(enumerate(earlier)))}  # first place of each word
    return at.get(words[0], 0) > 0 or at.get(words[-1], 0) > 0
