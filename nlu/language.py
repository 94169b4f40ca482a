"""Tell Vietnamese from English in a customer message, without a model.

Diacritics decide most cases. Unaccented Vietnamese ("toi muon gap nguoi that") is
recognised from frequent function and banking words; words that are also English
("the", "hang", "on") count for both sides. Very short or content-free messages ("ok",
an emoji, a number) get no language, so the conversation keeps its previous one.
"""

from __future__ import annotations

import re

from nlu.text import count_vietnamese_letters, fold_lower, has_vietnamese_diacritics

VI = "vi"
EN = "en"

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
    hi hello an at by from about just still yet
    """.split()
)
# Messages made only of these (or of digits, emoji, punctuation) carry no language.
_NEUTRAL_WORDS = frozenset(
    "ok okay oke okie okela k hi hello alo yes yeah yep no nope ya thanks thank thx "
    "bye hmm hm uh ah oh lol haha hihi".split()
)
# Two-word phrases that are only Vietnamese.
_VI_PHRASES = ("bao nhieu", "tai khoan", "ngan hang", "the tin dung", "cam on", "nhan vien")

_WORD_RE = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str | None:
    """Return "vi", "en" or None (too short or ambiguous to say)."""
    if has_vietnamese_diacritics(text) or count_vietnamese_letters(text) >= 2:
        return VI
    folded = fold_lower(text)
    words = _WORD_RE.findall(folded)
    content = [w for w in words if w not in _NEUTRAL_WORDS]
    if not content:
        return None
    vi = sum(w in _VI_WORDS for w in content) + sum(w in _SHARED_WORDS for w in content) / 2
    vi += 2 * sum(p in folded for p in _VI_PHRASES)
    en = sum(w in _EN_WORDS for w in content) + sum(w in _SHARED_WORDS for w in content) / 2
    if vi > en:
        return VI
    if en == 0 and len(content) == 1 and len(content[0]) < 3:
        # A lone unknown fragment ("xx") says nothing.
        return None
    return EN
