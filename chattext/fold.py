"""Vietnamese without its marks: the one place text is folded for comparison.

``fold`` removes accents and tone marks and keeps case and length (for NFC text, one
character in, one out, so spans found on the folded text index the text as typed);
``fold_lower`` is the key texts are compared by: NFC, lower case, folded, whitespace
collapsed. Pure Python and the standard library: both virtualenvs import it.
"""

from __future__ import annotations

import unicodedata

# "đ" is a letter of its own, not "d" with a mark, so Unicode does not decompose it.
_SPECIAL_FOLDS = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """Remove accents and tone marks, keeping case ("Thẻ tín dụng" -> "The tin dung")."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL_FOLDS))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def fold_lower(text: str) -> str:
    """NFC, lower case, no marks, single spaces: "Rất  hài lòng" and "rat hai long" match."""
    return " ".join(fold(unicodedata.normalize("NFC", text)).lower().split())
