"""Regex extraction of the identity details the bot asks for: card digits, phone, birth date.

Values are normalised so the dialogue can compare them directly: phone numbers in the
national form (0 + 9 digits), dates of birth as ISO `YYYY-MM-DD`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CARD_LAST4 = "card_last4"
PHONE = "phone"
DOB = "dob"


@dataclass(frozen=True)
class Match:
    entity: str
    start: int
    end: int
    value: str


# 0 or +84 / 0084 followed by 9 digits, allowing single spaces, dots or dashes between
# groups ("091 234 5678", "+84 912.345.678").
_PHONE_RE = re.compile(r"(?<![\d+])(\+84|0084|0)[ .-]?((?:\d[ .-]?){8}\d)(?!\d)")
# Dates: day first with / - . separators, or ISO year first.
_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_YMD_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# Exactly four digits standing alone: not part of a longer number, a date, an amount
# ("1.000") or a space-separated group ("1234 5678 ...", "0912 345 678").
_LAST4_RE = re.compile(r"(?<![\d/.,:+-])(?<!\d[ .-])\d{4}(?![ .,:/-]?\d)")


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    # A plausible customer birth date, not a transaction date far in the future.
    if not 1900 <= year <= date.today().year:
        return None
    return born.isoformat()


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def find_entities(text: str) -> list[Match]:
    """All card_last4, phone and dob matches in the text, without overlaps."""
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for m in _PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(2))
        if len(digits) == 9:
            found.append(Match(PHONE, m.start(), m.end(), "0" + digits))
            taken.append(m.span())
    for m in _DMY_RE.finditer(text):
        iso = _valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if iso and not _overlaps(m.span(), taken):
            found.append(Match(DOB, m.start(), m.end(), iso))
            taken.append(m.span())
    for m in _YMD_RE.finditer(text):
        iso = _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso and not _overlaps(m.span(), taken):
            found.append(Match(DOB, m.start(), m.end(), iso))
            taken.append(m.span())
    for m in _LAST4_RE.finditer(text):
        if not _overlaps(m.span(), taken):
            found.append(Match(CARD_LAST4, m.start(), m.end(), m.group()))
    return sorted(found, key=lambda x: x.start)
