"""Which customer turns say something about their problem, and the search query built
from them.

A conversation with a bank is full of turns that answer the bot's questions: card digits,
a date of birth, a phone number, "yes", "ừ", "ko". Searched on their own they find
nothing useful (a date of birth lands on "SMS alerts"), so suggestions for the agent and
the bot's FAQ answers are built from the *substantive* turns only: the latest one, led by
the one before it when the latest is a short follow-up ("còn phí thì sao?").

Keyboard mashes ("asdkjh qwe", "jjjjjj") are neither a problem statement nor an emotion;
``looks_like_gibberish`` tells them apart from chat shorthand ("ko dc", "uk", "wtf").

Pure functions over text, no dependency beyond the standard library, so the hub and the
Rasa action server share them.

Usage::

    is_substantive("30/01/1985")                     # False: a form answer
    is_substantive("mất thẻ rồi")                    # True
    looks_like_gibberish("asdkjh qwe")               # True
    contextual_query(["Phí thường niên thẻ Visa Gold là bao nhiêu?", "ok",
                      "còn thẻ Platinum thì sao?"])
    # "Phí thường niên thẻ Visa Gold là bao nhiêu? còn thẻ Platinum thì sao?"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from chattext.abbreviations import default_abbreviations
from chattext.fold import fold_lower
from chattext.language import has_vietnamese_diacritics

# A turn with fewer words than this borrows the topic of the turn before it: "còn thẻ
# Platinum thì sao?" (5 words) is about what was asked before, "Phí thường niên thẻ Visa
# Gold là bao nhiêu?" (9) stands alone.
FOLLOW_UP_WORDS = 6
# Content words (not acknowledgements, numbers or time words) a turn needs to be about
# something: "mất thẻ" has two, "yes please" and "30/01/1985" none.
MIN_CONTENT_WORDS = 2
# The earlier turn is a topic, not a second question: its first characters are enough.
TOPIC_CHARS = 200

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)  # "wasn't" is one word
_RUN = re.compile(r"(.)\1{2,}")  # "yesss", "okkk": elongation, read as one letter

# Words that answer a question or fill a sentence without saying what it is about, in
# folded form (lower case, no diacritics): yes/no/ok in both languages and chat styles,
# politeness, pronouns, and the time and date words of a form answer ("3 giờ chiều mai",
# "ngày 30 tháng 1").
_FILLERS = frozenset(
    """
    yes yeah yep yup ya yah yas no nope nah ok okay oke okie okela k kk sure right correct
    exactly true false confirm confirmed done please pls plz thanks thank thx ty tks you
    vang da u uk ukm um uhm uh ua oh ah a ha hi hello alo chao co khong ko hong hok hk kg
    khg dung roi r sai nhe nha nhen ne oi vay phai chinh xac cam on em anh chi ban toi
    minh mik mk i me my it is that this
    ngay thang nam gio h chieu sang trua mai nay hom luc khoang am pm today tomorrow tonight
    morning afternoon evening noon at on
    """.split()
)
# Chat words that are not in the abbreviations file but are real words to a reader.
_CHAT_WORDS = frozenset(
    "wtf omg lol lmao idk pls plz thx ty ok okay uk ukm ko dc hmm hm haha hihi huhu".split()
)
# Three keys in a row on a QWERTY keyboard, either way, that English and Vietnamese words
# do not contain ("were" and "party" use top-row runs, so only these are kept).
_KEY_RUNS = tuple(
    run
    for row in ("asdfghjkl", "zxcvbnm")
    for i in range(len(row) - 2)
    for run in (row[i : i + 3], row[i : i + 3][::-1])
) + ("qwe", "ewq", "yui", "iuy", "tyu", "uyt")

# Vietnamese syllables, folded: an onset, a vowel group and an ending consonant or glide.
_VI_SYLLABLE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
    r"(uye|uya|uyu|uoi|uou|oai|oay|oeo|uay|uay|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi"
    r"|oo|ua|ue|ui|uo|uu|uy|ye|[aeiouy])"
    r"(ch|nh|ng|[cmnpt])?"
)
_EN_ONSETS = frozenset(
    """
    b bl br c ch cl cr d dr dw f fl fr g gl gr gn h j k kn l m n p ph pl pr ps qu r s sc
    sch scr sh shr sk sl sm sn sp spl spr st str sw t th thr tr tw v w wh wr x y z
    """.split()
)
_VOWELS = frozenset("aeiouy")
# Words that tie a short turn to the one before it, on folded text. "thế"/"vậy" alone are
# left out: folded, they are also "thẻ" (card) and "vay" (loan); "thế còn" / "vậy còn" open
# a turn ("thế còn lãi thì tính sao?").
_FOLLOW_UP = re.compile(
    r"^(con|vay con|the con|and|but|what about|how about|also)\b"
    r"|\b(thi sao|nua|too|as well|what if|and if|instead)\b"
)


# The checks below are pure functions of their text, and the hub asks them again of the
# same recent turns at every message (the assist's query, the mood, the urgency signals):
# each answer is kept for the texts seen last.
@lru_cache(maxsize=16384)
def _fold(word: str) -> str:
    return fold_lower(word).replace("'", "").replace("’", "")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", text))


def _letters_only(token: str) -> bool:
    return not any(c.isdigit() for c in token)


def _vietnamese_syllable(folded: str) -> bool:
    return _VI_SYLLABLE.fullmatch(folded) is not None


def _english_like(folded: str) -> bool:
    """Could be an English word: a vowel, a known onset, no 'q' without 'u', no run of
    four consonants, no keyboard run. A heuristic: it only has to reject mashes."""
    if not any(c in _VOWELS for c in folded):
        return False
    if re.search(r"q(?!u)", folded) or any(run in folded for run in _KEY_RUNS):
        return False
    onset = re.match(r"[^aeiouy]*", folded)
    if onset and onset.group() and onset.group() not in _EN_ONSETS:
        return False
    return re.search(r"[^aeiouy]{4,}", folded) is None


def _real_word(token: str) -> bool:
    """True when a chat token reads as a word: Vietnamese (with or without diacritics),
    English, or chat shorthand."""
    folded = _fold(token)
    if len(set(folded)) == 1 and len(folded) >= 3:
        return False  # "jjjjjj", "aaaa"
    folded = _RUN.sub(r"\1", folded)  # "yesss" -> "yes", "hmmm" -> "hm"
    if folded in _CHAT_WORDS or folded in _FILLERS:
        return True
    if default_abbreviations().expansion(folded) is not None:
        return True
    if _vietnamese_syllable(folded):
        return True
    # Diacritics only Vietnamese writes ("ư", "ơ", "ạ") on a token that is no Vietnamese
    # syllable ("qưeqưe") make it no English word either.
    return not has_vietnamese_diacritics(token) and len(folded) > 1 and _english_like(folded)


@lru_cache(maxsize=4096)
def looks_like_gibberish(text: str) -> bool:
    """True when most of the words in a message are no words at all: keyboard mashes
    ("asdkjh qwe"), random letters, one letter repeated ("jjjjjj"), or Vietnamese letters
    that spell no syllable ("qưeqưe"). Chat shorthand ("ko dc", "uk", "wtf is this") and
    unaccented Vietnamese are words. Digits, emoji and punctuation alone are not gibberish
    (they are form answers or reactions)."""
    words = [t for t in _tokens(text) if _letters_only(t)]
    if not words:
        return False
    real = sum(_real_word(w) for w in words)
    return real * 2 < len(words)


def content_words(text: str) -> list[str]:
    """The words of a message that say what it is about: letters only, without
    acknowledgements, politeness, pronouns and the time words of a form answer."""
    out = []
    for token in _tokens(text):
        if not _letters_only(token):
            continue  # card digits, dates, phone numbers, amounts
        folded = _RUN.sub(r"\1", _fold(token))
        if folded not in _FILLERS:
            out.append(token)
    return out


@lru_cache(maxsize=4096)
def is_substantive(text: str) -> bool:
    """True when a customer turn says something about their problem: not a button payload,
    not a slot value (card digits, a date, a phone number), not a bare yes/no/ok/ừ/uk/ko in
    any style, not a one-word reply and not gibberish."""
    text = text.strip()
    if not text or text.startswith("/"):
        return False
    if len(content_words(text)) < MIN_CONTENT_WORDS:
        return False
    return not looks_like_gibberish(text)


def word_count(text: str) -> int:
    return len(text.split())


def is_follow_up(text: str) -> bool:
    """True when a turn says it continues the one before: "còn thẻ Platinum thì sao?",
    "vậy phí nữa?", "and if I'm abroad?", "what about Platinum?"."""
    return _FOLLOW_UP.search(" ".join(_fold(text).split())) is not None


_SAME_TOPIC = re.compile(r"\b(thi sao|what about|how about|what if|and if)\b")
# The words that frame a follow-up rather than say what it asks, on folded text: "còn …
# thì sao?", "and what about …?". Left in a search query they match entries phrased the
# same way ("Đến hạn mà tôi chưa rút thì sao?") whatever their subject.
_FRAMING = re.compile(
    r"^(?:vay con|the con|con|and|but|so|also)\b|\b(?:thi sao|what about|how about|what if|and if"
    r"|nua|too|as well|instead|then)\b"
)
# Words that build a phrase without naming a subject, folded: they do not make a
# follow-up a new question ("the Platinum one", "ở nước ngoài" names one subject).
_FUNCTION_WORDS = frozenset(
    """
    the a an one ones of for to in on at if do does did is are was were be im ive can could
    would will your its those these about with from by
    o thi la co cua cho voi va duoc bi sao gi nao khi neu cai nhung cac ma the vay
    """.split()
)
# A follow-up that brings this many words of its own, not in the question before, asks
# a new question on the same subject ("còn rút trước hạn thì sao?" after the savings
# rates); fewer, and it asks the same question of another thing ("còn thẻ Platinum thì
# sao?" after the Gold card's fee).
NEW_QUESTION_WORDS = 2


# Openings that say a turn follows on as plainly ("thế còn thẻ ghi nợ?", "vậy còn …?");
# a bare "còn" is not one ("còn tiền không?" asks whether money is left).
_SAME_TOPIC_OPENING = re.compile(r"^(?:the con|vay con)\b")


# Words that point back at what was asked before, on folded text: "what documents do I
# need for that?", "cần giấy tờ gì cho việc đó?". A bare "it" is left out: "can you block
# it?" names its own subject as often as not.
_POINTS_BACK = re.compile(
    r"\b(?:for|about|with|does|do|is) (?:that|this)\b|\bthat (?:take|cost)\b"
    r"|\b(?:viec|cai|dieu|vu|khoan|truong hop) (?:do|nay)\b|\bnhu vay\b"
)


def asks_about_the_same(text: str) -> bool:
    """True for the explicit follow-ups: "… thì sao?", "what about …?", "and if …?",
    "thế còn …?"."""
    folded = " ".join(_fold(t) for t in _tokens(text))
    return _SAME_TOPIC.search(folded) is not None or _SAME_TOPIC_OPENING.match(folded) is not None


def points_back(text: str) -> bool:
    """True for a turn that asks its question of what was said before: "what documents
    do I need for that?", "làm việc đó mất bao lâu?". In "what about paying late, is
    there a fee for that?" the "that" is the turn's own new subject: not pointing back."""
    folded = " ".join(_fold(t) for t in _tokens(text))
    return _POINTS_BACK.search(folded) is not None and not asks_about_the_same(text)


def without_framing(text: str) -> str:
    """A follow-up without the words that frame it: "Còn rút trước hạn thì sao?" ->
    "rút trước hạn"; the text itself when nothing else is left."""
    # Multi-word framings ("thì sao", "what about") are matched on the folded text, and
    # only the words they span are dropped: "thế còn thẻ ghi nợ" keeps "thẻ", which folds
    # like "thế".
    tokens = _tokens(text)
    folded = " ".join(_fold(t) for t in tokens)
    starts, at = [], 0
    for token in tokens:
        starts.append(at)
        at += len(_fold(token)) + 1
    spans = [m.span() for m in _FRAMING.finditer(folded)]
    kept = [t for t, i in zip(tokens, starts, strict=True) if not any(a <= i < b for a, b in spans)]
    return " ".join(kept) or text.strip()


def new_words(text: str, before: str) -> list[str]:
    """The content words of `text` that `before` does not have (folded): what a
    follow-up adds to the question it follows."""
    seen = {_fold(t) for t in _tokens(before)}
    return [
        w for w in content_words(text) if _fold(w) not in seen and _fold(w) not in _FUNCTION_WORDS
    ]


# Question words, folded: a question made of them and function words only ("what should I
# do now?", "giờ phải làm sao?") asks about what was said before, not something new.
_QUESTION_WORDS = frozenset(
    """
    what how why should when where which who whom now then next so happen happens going
    lam sao gi nao phai can bay gio tiep theo nua
    """.split()
)


def asks_nothing_new(text: str) -> bool:
    """True for a question that names nothing of its own: "what should I do?", "vậy giờ
    phải làm sao?", "h e phai lam gi". "hmm" or "ok thanks" ask nothing at all (False)."""
    text = default_abbreviations().expand(text)
    words = [_fold(t) for t in _tokens(text)]
    if not any(w in _QUESTION_WORDS for w in words) and "?" not in text:
        return False
    ignored = _FUNCTION_WORDS | _QUESTION_WORDS
    return not [w for w in content_words(text) if _fold(w) not in ignored]


def follow_up_subject(texts: Sequence[str]) -> tuple[str, str] | None:
    """(its own subject, the question before) for a follow-up that asks the question
    before of something new ("còn vay mua xe thì sao?" -> "vay mua xe"); None otherwise."""
    parts = _follow_up_parts(texts, FOLLOW_UP_WORDS)
    if parts is None or asks_nothing_new(parts[1]):
        return None
    before, last = parts
    subject = without_framing(last)
    if subject == last.strip() or not new_words(subject, before):
        return None
    return subject, before


def _follow_up_parts(texts: Sequence[str], follow_up_words: int) -> tuple[str, str] | None:
    """(the substantive turn before, the latest turn) when the latest follows on from it:
    says so ("còn … thì sao?", "and if …?") or names nothing of its own ("what should I
    do?"); None otherwise."""
    if not texts:
        return None
    last = texts[-1].strip()
    # A short turn that says it follows on keeps the topic of the one before; one that
    # says so in so many words ("còn rút trước hạn thì sao?", "and what about the
    # Platinum one?") does up to twice that length, while "and where is the nearest
    # branch?" asks something new.
    back = points_back(last)
    limit = 2 * follow_up_words if back or asks_about_the_same(last) else follow_up_words
    # One that names nothing of its own asks about the turn before however long it is
    # ("h e làm gì đc ạ", "vậy thì bây giờ em phải làm thế nào đây ạ").
    follows = back or is_follow_up(last)
    if not asks_nothing_new(last) and (word_count(last) >= limit or not follows):
        return None
    earlier = [t.strip() for t in texts[:-1] if is_substantive(t)]
    if not earlier:
        return None
    return earlier[-1], last


def topic_led_query(texts: Sequence[str], follow_up_words: int = FOLLOW_UP_WORDS) -> str | None:
    """The latest customer turn led by the topic of the substantive turn before it, when
    the latest says it follows on from it; None otherwise."""
    parts = _follow_up_parts(texts, follow_up_words)
    return None if parts is None else f"{parts[0][:TOPIC_CHARS]} {parts[1]}"


def contextual_query(
    texts: Sequence[str], follow_up_words: int = FOLLOW_UP_WORDS, answer_latest: bool = False
) -> str:
    """The search query for a conversation, from its customer turns (oldest first).

    For the agent's suggestions (the default): the latest substantive turn, led by the
    substantive turn before it when the latest is short ("còn thẻ Platinum thì sao?",
    "and if I'm abroad?"). Form answers, yes/no and gibberish in between are skipped, and
    so is their age: the problem stated ten minutes before a date of birth is still the
    problem. Empty when no turn says anything.

    With ``answer_latest`` (the bot answering the question just asked): the latest turn
    always, led by the previous substantive turn only when it is short and says it follows
    on ("còn ... thì sao?"), so that a short new question is not mixed with an old one. A
    follow-up that brings words of its own ("còn trả trước hạn thì sao?" after a loan's
    rate) is a new question on that subject: it is searched on those words, without the
    framing "còn … thì sao".
    """
    if answer_latest:
        if not texts:
            return ""
        parts = _follow_up_parts(texts, follow_up_words)
        if parts is None:
            return texts[-1].strip()
        earlier, last = parts
        asked = without_framing(last)
        own_question = len(new_words(asked, earlier)) >= NEW_QUESTION_WORDS
        if own_question and not asks_nothing_new(last) and not points_back(last):
            # A new question on the same subject: searched with the topic it would be
            # buried under the question before (whose entry then comes first again), and
            # with its framing it finds entries phrased alike; its own words find it.
            return asked
        return f"{earlier[:TOPIC_CHARS]} {last}"
    substantive = [t.strip() for t in texts if is_substantive(t)]
    if not substantive:
        return ""
    last = substantive[-1]
    if (word_count(last) < follow_up_words or points_back(last)) and len(substantive) > 1:
        return f"{substantive[-2][:TOPIC_CHARS]} {last}"
    return last
