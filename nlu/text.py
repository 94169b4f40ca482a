"""Text helpers shared by the NLU components: Unicode normalisation and diacritic folding.

Vietnamese customers often type without diacritics ("gap nguoi that" for "gặp người thật").
Folding both training and incoming text to the same plain-ASCII-letter form lets sparse
features match across the two spellings. All functions here are pure and cheap.
"""

from __future__ import annotations

import re
import unicodedata

# `đ`/`Đ` is a separate letter, not `d` plus a combining mark, so NFD does not split it.
_SPECIAL_FOLDS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})

# Vietnamese letters that only exist with a diacritic (precomposed, lower case).
_VI_DIACRITIC_CHARS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)
# Letters used only by Vietnamese among common Latin-script languages: horn (ơ, ư),
# breve (ă), stacked marks (ố), dot below, hook above, most tildes and đ. One of them is
# a strong language signal, unlike an acute accent, which "café" also carries.
_VI_ONLY_CHARS = frozenset("ăằắẳẵặầấẩẫậềếểễệồốổỗộơờớởỡợưừứửữựạẹịọụỵảẻỉỏủỷẽĩũỹđ")

_SPACE_RE = re.compile(r"\s+")

# The NLU reads at most this many characters of a message (config.yml `max_chars`). Real
# requests fit in a few hundred; a 100 kB paste once blocked Rasa for over 4 minutes.
DEFAULT_MAX_CHARS = 2000


def nfc(text: str) -> str:
    """Compose characters (NFC) so that one visible letter is one code point."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Remove diacritics, keeping letter case: 'Gặp Người' -> 'Gap Nguoi', 'đ' -> 'd'.

    The output has the same number of characters as the NFC form of the input, so
    character offsets computed on the NFC text stay valid on the folded text.
    """
    composed = nfc(text).translate(_SPECIAL_FOLDS)
    out = []
    for ch in composed:
        base = unicodedata.normalize("NFD", ch)
        # Keep the first code point of the decomposition when the rest are combining
        # marks; otherwise (e.g. a symbol) keep the character itself.
        if len(base) > 1 and all(unicodedata.combining(c) for c in base[1:]):
            out.append(base[0])
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """NFC, lower case and collapsed whitespace: the form used to compare texts."""
    return _SPACE_RE.sub(" ", nfc(text).lower()).strip()


def fold_lower(text: str) -> str:
    """Normalised and folded: the diacritic-insensitive key of a text."""
    return fold(normalise(text))


def has_vietnamese_diacritics(text: str) -> bool:
    """True when the text holds a letter that only Vietnamese spelling produces."""
    lowered = nfc(text).lower()
    return any(ch in _VI_ONLY_CHARS for ch in lowered)


def count_vietnamese_letters(text: str) -> int:
    """Number of precomposed Vietnamese letters with a diacritic in the text."""
    lowered = nfc(text).lower()
    return sum(ch in _VI_DIACRITIC_CHARS for ch in lowered)


def prefix(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The first `max_chars` characters, cut at a space when one is near the end."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ", max(0, max_chars - 40))
    return cut[:space] if space > 0 else cut
