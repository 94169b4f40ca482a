"""Calendar dates as customers type them, in Vietnamese (with or without diacritics) and
English: "30/01/1985", "30-1-85", "30.1.1985", "1985-01-30", "30 tháng 1 năm 1985",
"ngay 30 thang 1 nam 1985", "Jan 30 1985", "January 30th, 1985", "30 Jan 1985".

The one owner of date reading, with three readers over the same month names, two-digit
year rule and validity checks:
- `find_dates` / `parse_birth_date`: the forms' slot checks (actions.validation), on
  folded text;
- `find_date_entities`: the NLU entity extractor (nlu.patterns), with the patterns the
  shipped model was trained with (see ENTITY_PATTERNS for where they read differently);
- `parse_date_field`: a date a program sends (the hub's identity check), exact formats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from chattext.fold import fold

_MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
# A written date ends where no digit, slash or dash follows, nor a dot that goes on into
# digits ("1.2.3.4"): the full stop of "ngày sinh: 14/03/1988." ends the date.
_DATE_END = r"(?![\d/-]|\.\d)"
_YEAR = r"(\d{4}|\d{2})"

# Each pattern yields named groups d, m (digits or a month name) and y.
_PATTERNS = (
    # 1985-01-30 (ISO, year first: never read as day first).
    re.compile(rf"(?<![\d/.-])(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_DATE_END}"),
    # 30/01/1985, 30-1-85, 30.1.1985: day first, as Vietnamese write it.
    re.compile(
        rf"(?<![\d/.-])(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_DATE_END}"
    ),
    # 30 tháng 1 năm 1985 / ngay 30 thang 01 nam 1985 / 30 tháng 1, 1985 (folded text).
    re.compile(
        r"(?<!\d)(?P<d>\d{1,2})\s*(?:thang|th)\s*(?P<m>\d{1,2})\s*(?:,|nam|/)?\s*(?P<y>\d{4}|\d{2})(?!\d)"
    ),
    # Jan 30 1985 / January 30th, 1985.
    re.compile(rf"\b(?P<m>{_MONTH_NAME})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})(?!\d)"),
    # 30 Jan 1985 / 30th of January, 1985.
    re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m>{_MONTH_NAME})\.?,?\s+(?P<y>\d{{4}})(?!\d)"
    ),
)
# "30 01 1985": only where a date is what was asked for (a form's date question), since
# elsewhere three numbers in a row are rarely a date.
_SPACED = re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+(?P<m>\d{1,2})\s+(?P<y>\d{4})(?!\d)")

# The NLU entity extractor's patterns, kept as the shipped model was trained with them, in
# the order it tries them. They read the text as typed (marks required on "tháng"/"năm",
# any case), so they differ from the forms' patterns above at the edges: a date may end
# before "." or "/" ("14/03/1988."), not after "," or "." ("1,30/01/1985"); "30 tháng
# 1/1985", "30tháng1năm1985" and decomposed Unicode are no date to them; two dates in one
# message are two entities. tests/nlu/test_dates_typed.py pins both readings.
ENTITY_PATTERNS = (
    # 30/01/1985, 30-1-85, 30.1.1985: day first, the same separator twice.
    re.compile(
        r"(?<![\d.,])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
        r"(?![\d.,]?\d)"
    ),
    # 1985-01-30 (ISO).
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    # 30 tháng 1 năm 1985, ngay 30 thang 01 nam 85, 30 tháng 1, 1985.
    re.compile(
        r"(?<!\d)(?P<d>\d{1,2})\s*(?:tháng|thang|th)\s*(?P<m>\d{1,2})\s*(?:,\s*|\s+)"
        r"(?:(?:năm|nam)\s*)?(?P<y>\d{4}|\d{2})(?!\d)",
        re.IGNORECASE,
    ),
    # Jan 30 1985, January 30th, 1985.
    re.compile(
        rf"\b(?P<m>{_MONTH_NAME})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})(?!\d)",
        re.IGNORECASE,
    ),
    # 30 Jan 1985, 30th of January 1985.
    re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m>{_MONTH_NAME})\.?,?\s+(?P<y>\d{{4}})"
        r"(?!\d)",
        re.IGNORECASE,
    ),
)


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    value: date


@dataclass(frozen=True)
class DateSpan:
    """Text shaped like a date; `value` is None when it names no plausible birth date (no
    such day, or a year before 1900 or after this one)."""

    start: int
    end: int
    value: date | None


def _folded(text: str) -> str:
    """Lower-cased, without accents; for NFC text the same length, so spans found here
    index the text as typed."""
    return fold(unicodedata.normalize("NFC", text)).lower()


def _full_year(year: str, today: date) -> int:
    if len(year) == 4:
        return int(year)
    # Two digits: the most recent year with those digits that is not in the future.
    two = int(year)
    century = today.year - today.year % 100
    return century + two if century + two <= today.year else century - 100 + two


def _month(value: str) -> int:
    # The NLU's patterns read the text as typed, so the name may be in any case.
    return int(value) if value.isdigit() else _MONTHS[value.rstrip(".").lower()]


def _date_of(m: re.Match[str], today: date) -> date:
    """The date named by a match with groups d, m and y; ValueError if there is none."""
    return date(_full_year(m.group("y"), today), _month(m.group("m")), int(m.group("d")))


def find_dates(text: str, today: date | None = None, spaced: bool = False) -> list[FoundDate]:
    """Every real calendar date in the text, in order, without overlaps."""
    today = today or date.today()
    folded = _folded(text or "")
    patterns = (*_PATTERNS, _SPACED) if spaced else _PATTERNS
    found: list[FoundDate] = []
    for pattern in patterns:
        for m in pattern.finditer(folded):
            if any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            try:
                value = _date_of(m, today)
            except (ValueError, KeyError):
                continue
            found.append(FoundDate(m.start(), m.end(), value))
    return sorted(found, key=lambda f: f.start)


def parse_birth_date(text: str, today: date | None = None, spaced: bool = False) -> date | None:
    """The one date of birth in the text: a real date between 1900 and today, else None
    (none, or two different dates: the customer must say which)."""
    today = today or date.today()
    dates = {
        f.value
        for f in find_dates(text, today=today, spaced=spaced)
        if date(1900, 1, 1) <= f.value <= today
    }
    return dates.pop() if len(dates) == 1 else None


def find_date_entities(text: str, today: date | None = None) -> list[DateSpan]:
    """Every span the NLU's ENTITY_PATTERNS match, pattern by pattern, overlaps included:
    the extractor decides which spans it keeps, and a span shaped like a date is never card
    digits even when no such day exists ("30 tháng 2 năm 1985")."""
    today = today or date.today()
    spans: list[DateSpan] = []
    for pattern in ENTITY_PATTERNS:
        for m in pattern.finditer(text):
            try:
                value: date | None = _date_of(m, today)
            except ValueError:
                value = None
            # A customer's birth year, not a transaction date far ahead. The year alone
            # counts here, where the forms refuse any day after today.
            if value is not None and not 1900 <= value.year <= today.year:
                value = None
            spans.append(DateSpan(m.start(), m.end(), value))
    return spans


# A date sent by a program, not typed by a customer: the action server's form value (ISO)
# or day first with one separator, four-digit years only.
_FIELD_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def parse_date_field(raw: str) -> date | None:
    """'1985-01-30' or '30/01/1985' (also with - or .) -> the date; None for anything else."""
    raw = raw.strip()
    for fmt in _FIELD_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None
