"""Turn "3 giờ chiều mai", "sáng thứ 7", "tomorrow at 3pm" or "in 2 hours" into a time window.

dateparser does the parsing. Its Vietnamese support covers dates but not the way people
write times in chat ("3h chiều mai", "2 tiếng nữa"), so a small pre-normaliser rewrites
those into the English forms dateparser reads. A part of the day with no hour ("chiều
mai", "tomorrow morning") gets the start of that part of the day. Times are read in the
customer's time zone (Asia/Ho_Chi_Minh by default) and come back as aware datetimes.

Usage::

    window = parse_window_text("3 giờ chiều mai", now=now)
    if window:
        window.start, window.end   # aware datetimes, one hour apart
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from chattext.fold import fold_lower

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
WINDOW = timedelta(hours=1)

# Hour a part of the day starts at when the customer names no hour.
_PART_HOURS = {"morning": 9, "noon": 12, "afternoon": 15, "evening": 18}
_WEEKDAYS_VI = {
    "hai": "monday",
    "2": "monday",
    "ba": "tuesday",
    "3": "tuesday",
    "tu": "wednesday",
    "4": "wednesday",
    "nam": "thursday",
    "5": "thursday",
    "sau": "friday",
    "6": "friday",
    "bay": "saturday",
    "7": "saturday",
}


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def to_text(self) -> str:
        """ISO interval, the form a slot stores: '2026-11-29T15:00:00+07:00/...'."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def from_text(cls, value: str) -> Window | None:
        try:
            start, end = value.split("/", 1)
            return cls(datetime.fromisoformat(start), datetime.fromisoformat(end))
        except (ValueError, AttributeError):
            return None


_DAY_PATTERNS = (
    (r"\b(?:ngay kia|ngay mot|day after tomorrow)\b", "in 2 days"),
    (r"\b(?:ngay mai|tomorrow|mai)\b", "tomorrow"),
    (
        r"\b(?:hom nay|today|tonight|(?:sang|trua|chieu|toi) nay"
        r"|this (?:morning|afternoon|evening))\b",
        "today",
    ),
    (r"\b(?:tuan sau|tuan toi|next week)\b", "next week"),
    (r"\b(?:chu nhat|cn|sunday)\b", "sunday"),
)
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday_pattern(day: str) -> re.Pattern[str]:
    """A weekday in English or as Vietnamese write it folded ("thu 6", "t6", "thu sau")."""
    names = [
        rf"thu\s*{re.escape(n)}|t{n}" if n.isdigit() else rf"thu\s*{n}"
        for n, d in _WEEKDAYS_VI.items()
        if d == day
    ]
    return re.compile(rf"\b(?:{'|'.join([day, *names])})\b")


_WEEKDAY_PATTERNS = {day: _weekday_pattern(day) for day in _EN_WEEKDAYS}
_DURATION = re.compile(
    r"\b(?:in|sau|trong)\s+(\d{1,3})\s*(hours?|hrs?|tieng|minutes?|mins?|phut)\b"
    r"|\b(\d{1,3})\s*(tieng|gio|phut)\s*nua\b"
)
# The hour mark is a word of its own: the "h" of "7 hoặc" or "7 hay" is no hour.
# "Rưỡi" (half past) is tried first: "9 giờ rưỡi" is 9:30, not 9:00.
_CLOCK = re.compile(
    r"(?<![\d/.:-])(?P<hour>\d{1,2})(?:\s*(?:h|g|gio)?\s*(?P<half>ruoi)"
    r"|\s*(?:h|g|gio|:)(?![a-z])\s*(?P<minute>\d{2})?|\s*(?P<ampm>am|pm))(?![\d/])"
)
_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?(?![\d/])")
# "tối" and "tôi" ("I") fold alike: unaccented "toi" is the evening only beside a day word
# or an hour ("7h toi", "toi mai", "buoi toi").
_EVENING_PLAIN = re.compile(
    r"\bbuoi toi\b|\btoi (?:nay|mai|thu|chu)\b|\d\s*(?:h|g|gio|pm)?\s*toi\b"
)


def _part_of_day(text: str, folded: str) -> str | None:
    lowered = unicodedata.normalize("NFC", text).lower()
    accented = lowered != folded
    if re.search(r"\bmorning\b", folded) or re.search(r"\bsáng\b", lowered):
        return "morning"
    if not accented and re.search(r"\bsang\b", folded):
        return "morning"
    if re.search(r"\b(?:noon|lunch|trua)\b", folded):
        return "noon"
    if re.search(r"\b(?:afternoon|chieu)\b", folded) or re.search(r"\d\s*pm\b", folded):
        return "afternoon" if not re.search(r"\b(?:evening|tonight)\b", folded) else "evening"
    if re.search(r"\b(?:evening|tonight)\b", folded) or re.search(r"\btối\b", lowered):
        return "evening"
    if not accented and _EVENING_PLAIN.search(folded):
        return "evening"
    return None


def to_english(text: str) -> tuple[str, str | None]:
    """The time words of a Vietnamese or English message, as an English phrase dateparser
    reads ("3 giờ chiều mai" -> "tomorrow 3:00"), and the part of the day it names."""
    folded = fold_lower(text)
    part = _part_of_day(text, folded)
    duration = _DURATION.search(folded)
    if duration:
        amount = duration.group(1) or duration.group(3)
        unit = (duration.group(2) or duration.group(4) or "").lower()
        unit = "minutes" if unit.startswith(("min", "phut")) else "hours"
        return f"in {amount} {unit}", None
    pieces: list[str] = []
    date = _DATE.search(folded)
    if date:
        pieces.append(date.group(0).replace("-", "/"))
    else:
        for pattern, phrase in _DAY_PATTERNS:
            if re.search(pattern, folded):
                pieces.append(phrase)
                break
        else:
            for day in _EN_WEEKDAYS[:6]:
                if _WEEKDAY_PATTERNS[day].search(folded):
                    pieces.append(day)
                    break
    clock = _CLOCK.search(folded)
    if clock and int(clock["hour"]) <= 23:
        hour, minute = int(clock["hour"]), clock["minute"] or ("30" if clock["half"] else "00")
        # "7h tối" is 19:00 before dateparser decides whether it is still to come today.
        if hour < 12 and (clock["ampm"] == "pm" or part in ("afternoon", "evening")):
            hour += 12
        pieces.append(f"{hour}:{minute}")
    return " ".join(pieces), part


# "or" between two times: the customer offers a choice, the bank must not pick one.
_ALTERNATIVE = re.compile(r"\b(?:or|hoac|hay)\b")


def _named_days(folded: str) -> set[str]:
    """Every day the text names ("today", "tomorrow", "friday"...), each once."""
    days: set[str] = set()
    rest = folded
    for pattern, phrase in _DAY_PATTERNS:
        if re.search(pattern, rest):
            days.add(phrase)
            rest = re.sub(pattern, " ", rest)
    for day in _EN_WEEKDAYS:
        if _WEEKDAY_PATTERNS[day].search(rest):
            days.add(day)
    return days


# A calendar date: "10/12", "ngày 10", "the 10th".
_DATE = re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\b|\bngay \d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)\b")


def names_a_day(text: str) -> bool:
    """True when the text names a day or a date, not only a time of day ("2h chiều")."""
    folded = fold_lower(text)
    return bool(_named_days(folded) or _DATE.search(folded))


def offers_a_choice(text: str) -> bool:
    """True when the text names two days or two hours as alternatives ("later today or
    tomorrow", "thứ 2 hoặc thứ 3", "3pm or 4pm"): no single window can be read from it,
    so the form asks which one."""
    folded = fold_lower(text)
    if not _ALTERNATIVE.search(folded):
        return False
    clocks = {m.group(0).strip() for m in _CLOCK.finditer(folded)}
    return len(_named_days(folded)) > 1 or len(clocks) > 1


def _apply_part(moment: datetime, part: str | None, has_clock: bool) -> datetime:
    if part is None:
        return moment
    if not has_clock:
        return moment.replace(hour=_PART_HOURS[part], minute=0)
    if part in ("afternoon", "evening") and moment.hour < 12:
        return moment + timedelta(hours=12)
    return moment


def parse_window_text(
    text: str, now: datetime | None = None, tz: str = DEFAULT_TZ
) -> Window | None:
    """A one-hour window starting at the time the text names, or None when it names none
    or offers a choice between two."""
    import dateparser  # imported on first use: it takes a while to load its locale data

    if offers_a_choice(text):
        return None
    zone = ZoneInfo(tz)
    base = (now or datetime.now(timezone.utc)).astimezone(zone)
    english, part = to_english(text)
    has_clock = bool(re.search(r"\d{1,2}:\d{2}", english))
    # Everything is naive local time: with a TIMEZONE setting, dateparser's "future" check
    # compared a bare "3pm" with the base shifted by the zone's offset, and at 10:00 in
    # Ho Chi Minh City "3pm" became tomorrow.
    settings = {
        "RELATIVE_BASE": base.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
    }
    moment = None
    if english:
        moment = dateparser.parse(english, languages=["en"], settings=settings)
    if moment is None:
        if part is None:
            return None
        moment = base.replace(tzinfo=None)  # "chiều nay" / "this afternoon"
    if not has_clock and part is None and not english.startswith("in "):
        moment = moment.replace(hour=_PART_HOURS["morning"], minute=0)  # "anytime tomorrow"
    moment = _apply_part(moment, part, has_clock)
    start = moment.replace(second=0, microsecond=0, tzinfo=zone)
    if start < base - timedelta(minutes=1) and not re.search(r"\d{4}", english):
        # "3pm" said at 5pm means tomorrow.
        start += timedelta(days=1)
    return Window(start, start + WINDOW)
