"""Pure parsers for what customers type into forms: card digits, dates of birth, phones.

Each returns the normalised value, or None when the text does not hold a valid one.
Input may be NFD, carry extra words ("ngày sinh 14/03/1988") or be typed with spaces.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from chattext.dates import parse_birth_date
from chattext.phone import normalise_vn_phone
from chattext.when import parse_window_text

_FOUR_DIGITS = re.compile(r"(?<![\d/.-])\d{4}(?![\d/.-])")
_CARD_NUMBER = re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")
_WORDISH = re.compile(r"\w", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")

MAX_TIME_CHARS = 200


def _clean(value: object) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


def looks_like_full_card_number(value: object) -> bool:
    """True when the text seems to hold a whole card number (16 to 19 digits)."""
    return bool(_CARD_NUMBER.search(_clean(value)))


def parse_card_last4(value: object) -> str | None:
    """'4821', 'số cuối 4821', '4 8 2 1' or a full card number -> '4821'."""
    text = _clean(value)
    full = _CARD_NUMBER.search(text)
    if full:
        return re.sub(r"\D", "", full.group())[-4:]
    matches = _FOUR_DIGITS.findall(text)
    if len(matches) == 1:
        return matches[0]
    digits = re.sub(r"[\s-]", "", text)
    return digits if re.fullmatch(r"\d{4}", digits) else None


def parse_dob(value: object, today: date | None = None) -> str | None:
    """A date of birth in any common form ("30/01/1985", "30-1-85", "30 tháng 1 năm 1985",
    "Jan 30 1985", "1985-01-30") -> ISO 'yyyy-mm-dd' if it is one real past date."""
    born = parse_birth_date(_clean(value), today=today, spaced=True)
    return born.isoformat() if born else None


def parse_phone(value: object) -> str | None:
    """'090 123 4567', '+84 901 234 567', '84901234567' -> '0901234567' (VN mobile)."""
    return normalise_vn_phone(_clean(value))


def parse_preferred_time(value: object, now: datetime | None = None) -> str | None:
    """'3 giờ chiều mai', 'sáng thứ 7', 'tomorrow at 3pm', 'in 2 hours' -> the one-hour
    window they name in the customer's time zone, as an ISO interval 'start/end'."""
    # Markup is never a time; drop it before reading the words.
    text = " ".join(_TAG.sub(" ", _clean(value)).split())[:MAX_TIME_CHARS]
    if not text or not _WORDISH.search(text):
        return None
    window = parse_window_text(text, now=now)
    return window.to_text() if window else None
