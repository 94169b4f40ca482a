"""Regex extraction of the identity details the bot asks for: card digits, phone, birth date.

Values are normalised so the dialogue can compare them directly: phone numbers in the
national form (0 + 9 digits), dates of birth as ISO `YYYY-MM-DD` (typed as digits, in
Vietnamese words or with an English month name), card digits as four digits (also when
typed one by one, "3 3 4 2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chattext.phone import PHONE_ENTITY, national_form

CARD_LAST4 = "card_last4"
PHONE = "phone"
DOB = "dob"


@dataclass(frozen=True)
class Match:
    entity: str
    start: int
    end: int
    value: str


# Dates: day first with one of / - . as separator ("30/01/1985", "30-1-85"), or ISO year
# first.
_DMY_RE = re.compile(r"(?<![\d.,])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d.,]?\d)")
_YMD_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# Dates in words: "30 tháng 1 năm 1985", "ngay 30 thang 01 nam 85", "30 tháng 1, 1985".
_VI_WORDS_RE = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:tháng|thang|th)\s*(\d{1,2})\s*(?:,\s*|\s+)(?:(?:năm|nam)\s*)?"
    r"(\d{4}|\d{2})(?!\d)",
    re.IGNORECASE,
)
_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# "Jan 30 1985", "January 30th, 1985", "30 Jan 1985", "30th of January 1985".
_EN_MDY_RE = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
_EN_DMY_RE = re.compile(rf"(?<!\d){_DAY}\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
# Exactly four digits standing alone: not part of a longer number, a date, an amount
# ("1.000") or a space-separated group ("1234 5678 ...", "0912 345 678").
_LAST4_RE = re.compile(r"(?<![\d/.,:+-])(?<!\d[ .-])\d{4}(?![ .,:/-]?\d)")
# Four digits typed one by one ("3 3 4 2", "3-3-4-2"), the same separator throughout.
_SPACED4_RE = re.compile(r"(?<![\d/.,:+-])(?<!\d[ .-])(\d)( |-)(\d)\2(\d)\2(\d)(?![ .,:/-]?\d)")


def _year(text: str) -> int:
    """A year as typed: two digits are the most recent such year not in the future."""
    year = int(text)
    if len(text) == 2:
        this_year = date.today().year
        year += 2000 if 2000 + year <= this_year else 1900
    return year


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
    # The extractor's own pattern (chattext.phone.PHONE_ENTITY), kept as trained.
    for m in PHONE_ENTITY.finditer(text):
        local = national_form(m.group(2))
        if local:
            found.append(Match(PHONE, m.start(), m.end(), local))
            taken.append(m.span())
    dates: list[tuple[re.Match[str], int, int, int]] = []  # (match, year, month, day)
    dates += [
        (m, _year(m.group(4)), int(m.group(3)), int(m.group(1))) for m in _DMY_RE.finditer(text)
    ]
    dates += [
        (m, int(m.group(1)), int(m.group(2)), int(m.group(3))) for m in _YMD_RE.finditer(text)
    ]
    dates += [
        (m, _year(m.group(3)), int(m.group(2)), int(m.group(1)))
        for m in _VI_WORDS_RE.finditer(text)
    ]
    dates += [
        (m, int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        for m in _EN_MDY_RE.finditer(text)
    ]
    dates += [
        (m, int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        for m in _EN_DMY_RE.finditer(text)
    ]
    for m, year, month, day in dates:
        iso = _valid_date(year, month, day)
        if _overlaps(m.span(), taken):
            continue
        if iso:
            found.append(Match(DOB, m.start(), m.end(), iso))
        # A date that does not exist is still no card digits ("30 tháng 2 năm 1985").
        taken.append(m.span())
    for m in _LAST4_RE.finditer(text):
        if not _overlaps(m.span(), taken):
            found.append(Match(CARD_LAST4, m.start(), m.end(), m.group()))
            taken.append(m.span())
    for m in _SPACED4_RE.finditer(text):
        if not _overlaps(m.span(), taken):
            digits = m.group(1) + m.group(3) + m.group(4) + m.group(5)
            found.append(Match(CARD_LAST4, m.start(), m.end(), digits))
    return sorted(found, key=lambda x: x.start)
