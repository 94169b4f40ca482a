"""Regex extraction of the identity details the bot asks for: card digits, phone, birth date.

Values are normalised so the dialogue can compare them directly: phone numbers in the
national form (0 + 9 digits), dates of birth as ISO `YYYY-MM-DD` (typed as digits, in
Vietnamese words or with an English month name), card digits as four digits (also when
typed one by one, "3 3 4 2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chattext.dates import find_date_entities
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


# Exactly four digits standing alone: not part of a longer number, a date, an amount
# ("1.000") or a space-separated group ("1234 5678 ...", "0912 345 678").
_LAST4_RE = re.compile(r"(?<![\d/.,:+-])(?<!\d[ .-])\d{4}(?![ .,:/-]?\d)")
# Four digits typed one by one ("3 3 4 2", "3-3-4-2"), the same separator throughout.
_SPACED4_RE = re.compile(r"(?<![\d/.,:+-])(?<!\d[ .-])(\d)( |-)(\d)\2(\d)\2(\d)(?![ .,:/-]?\d)")


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
    # The dates (chattext.dates owns their patterns, kept as the model was trained).
    for span in find_date_entities(text):
        if _overlaps((span.start, span.end), taken):
            continue
        if span.value:
            found.append(Match(DOB, span.start, span.end, span.value.isoformat()))
        # A date that does not exist is still no card digits ("30 tháng 2 năm 1985").
        taken.append((span.start, span.end))
    for m in _LAST4_RE.finditer(text):
        if not _overlaps(m.span(), taken):
            found.append(Match(CARD_LAST4, m.start(), m.end(), m.group()))
            taken.append(m.span())
    for m in _SPACED4_RE.finditer(text):
        if not _overlaps(m.span(), taken):
            digits = m.group(1) + m.group(3) + m.group(4) + m.group(5)
            found.append(Match(CARD_LAST4, m.start(), m.end(), digits))
    return sorted(found, key=lambda x: x.start)
