"""Times as the hub keeps them: aware and in UTC.

The one clock every stored time is written with (``utc_now``), the repair of the naive
datetimes SQLite hands back (``aware``) and the ISO 8601 text the JSON shapes and APIs
carry (``iso``).
"""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # stored as UTC; SQLite drops the zone
        return value.replace(tzinfo=timezone.utc)
    return value


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC.
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()
