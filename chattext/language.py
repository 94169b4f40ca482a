"""Tell Vietnamese from English in a customer message, without a model.

Diacritics decide most cases. Unaccented Vietnamese ("toi muon gap nguoi that") is
recognised from frequent function and banking words; words that are also English
("the", "hang", "on") count for both sides. English needs real English words: a message
made of unknown fragments ("asdf qwer", "hjhj") gets no language, and so do very short
or content-free messages ("ok", an emoji, a number), so the conversation keeps its own.
"""

from __future__ import annotations

import re
import unicodedata

from chattext.fold import fold_lower

VI = "vi"
EN = "en"

# Letters used only by Vietnamese among common Latin-script languages: horn (ơ, ư),
# breve (ă), stacked marks (ố), dot below, hook above, most tildes and đ.
_VI_ONLY_CHARS = frozenset("ăằắẳẵặầấẩẫậềếểễệồốổỗộơờớởỡợưừứửữựạẹịọụỵảẻỉỏủỷẽĩũỹđ")
_VI_DIACRITIC_CHARS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)

# Unaccented Vietnamese words that are not English words.
_VI_WORDS = frozenset(
    """
    toi khong ko hong gap nguoi muon duoc dc bao nhieu tai khoan ngan hang cua minh
    chung vay nhe nha roi voi giup gium xin chao cam cac nhung dang se chua
    sao gi nao dau tien chuyen khoa mo tra no lai suat thang ngay nam
    biet hoi tu van nhan vien dien thoai so lam phi rut nap tin dung ghi mat bi
    em anh chi ban oi a ha ak nhi la cung rat qua nua thi ma nen vi phai
    con bay gio luc hom nay mai giao dich sao ke han muc kich hoat
    huy dang ky cuoi sdt stk cmnd cccd sinh ten chu ky nhan duoc khi nao bi
    quen khau lua dao hoan sang chieu hen tam biet bik bit hk hok mk mik ntn
    """.split()
) - {"a", "ban", "chi", "em", "so", "the", "no", "ma", "on", "hang", "mat", "con", "ha", "la"}
# Short words shared with English: weak evidence for both languages.
_SHARED_WORDS = frozenset({"the", "no", "so", "ban", "hang", "mat", "con", "on", "ma", "a"})
_EN_WORDS = frozenset(
    """
    i me my you your we our it is are was am be been to of in for with and or not
    what how why when where which who can could would should will do does did have
    has had want need please help card account money balance transfer bank lost
    stolen block pay payment fee this that there here get talk speak human agent
    person real check send receive open close limit loan interest rate thanks thank
    hi hello an at by from about just still yet call back tomorrow today morning
    afternoon evening someone used refund password forgot reset cancel complaint
    scam fraud number phone time app login locked money charged service bye
    """.split()
)
# Messages made only of these (or of digits, emoji, punctuation) carry no language.
_NEUTRAL_WORDS = frozenset(
    "ok okay oke okie okela k hi hello alo yes yeah yep no nope ya thanks thank thx "
    "bye hmm hm uh ah oh lol haha hihi".split()
)
# Greetings only an English speaker writes ("hello" alone is neutral: Vietnamese customers
# write it too).
_EN_PHRASES = (
    "hi there",
    "hello there",
    "hey there",
    "good morning",
    "good afternoon",
    "good evening",
    "how are you",
)
# Two-word phrases that are only Vietnamese.
_VI_PHRASES = ("bao nhieu", "tai khoan", "ngan hang", "the tin dung", "cam on", "nhan vien")
# English needs this much evidence (a word counts 1, a word shared with Vietnamese 0.5):
# "the card" is English, "asdf qwer" or a lone "help" is nothing.
_MIN_EN_EVIDENCE = 1.5

_WORD_RE = re.compile(r"[^\W\d_]+")


def has_vietnamese_diacritics(text: str) -> bool:
    """True when the text holds a letter that only Vietnamese spelling produces."""
    lowered = unicodedata.normalize("NFC", text).lower()
    return any(ch in _VI_ONLY_CHARS for ch in lowered)


def count_vietnamese_letters(text: str) -> int:
    """Number of precomposed Vietnamese letters with a diacritic in the text."""
    lowered = unicodedata.normalize("NFC", text).lower()
    return sum(ch in _VI_DIACRITIC_CHARS for ch in lowered)


def evidence(text: str) -> tuple[float, float]:
    """(Vietnamese, English) evidence of a text: known words, plus phrases for Vietnamese."""
    if has_vietnamese_diacritics(text) or count_vietnamese_letters(text) >= 2:
        return 10.0, 0.0
    folded = fold_lower(text)
    content = [w for w in _WORD_RE.findall(folded) if w not in _NEUTRAL_WORDS]
    shared = sum(w in _SHARED_WORDS for w in content) / 2
    vi = sum(w in _VI_WORDS for w in content) + shared
    vi += 2 * sum(p in folded for p in _VI_PHRASES)
    en = sum(w in _EN_WORDS for w in content) + shared
    en += 2 * sum(bool(re.search(rf"\b{p}\b", folded)) for p in _EN_PHRASES)
    return vi, en


def detect_language(text: str) -> str | None:
    """Return "vi", "en" or None (too short, gibberish or ambiguous to say)."""
    vi, en = evidence(text)
    if vi > en and vi >= 1:
        return VI
    if en > vi and en >= _MIN_EN_EVIDENCE:
        return EN
    return None
