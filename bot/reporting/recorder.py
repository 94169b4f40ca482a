"""Writes reporting events and their incremental aggregates, on the caller's connection
(so inside the caller's transaction), and loads and saves conversations' running facts.

Aggregates are kept per local day and per breakdown value with atomic ``count = count + n``
upserts, so concurrent writers never lose an increment and a report reads a few hundred
rows instead of every message.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from bot.reporting.models import (
    ReportingConversation,
    ReportingEvent,
    ReportingHistogram,
    ReportingRollup,
)
from bot.reporting.timeline import Event, Facts
from bot.store.upsert import insert_for

# The bank's business day: "today" and the hour of day are local to Vietnam.
REPORT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Histogram buckets grow by 10 %, so a percentile read from them is within 5 % of the
# exact value; one bucket covers 0-1 s.
BUCKET_RATIO = 1.1
DIMENSIONS = ("all", "agent", "channel", "language", "reason", "intent", "hour")

FACT_COLUMNS = tuple(f.name for f in dataclasses.fields(Facts))
_facts = cast(Table, ReportingConversation.__table__)
_events = cast(Table, ReportingEvent.__table__)
_rollups = cast(Table, ReportingRollup.__table__)
_hist = cast(Table, ReportingHistogram.__table__)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the hub stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def local_day(at: datetime) -> date:
    return aware(at).astimezone(REPORT_TZ).date()  # type: ignore[union-attr]


def local_hour(at: datetime) -> int:
    return aware(at).astimezone(REPORT_TZ).hour  # type: ignore[union-attr]


def bucket_of(seconds: float) -> int:
    if seconds < 1.0:
        return 0
    return int(math.log(seconds) / math.log(BUCKET_RATIO)) + 1


def bucket_value(bucket: int) -> float:
    """A representative duration for a bucket: the geometric middle of its bounds."""
    if bucket <= 0:
        return 0.5
    low = BUCKET_RATIO ** (bucket - 1)
    return low * math.sqrt(BUCKET_RATIO)


def dims_of(event: Event, facts: Facts | None) -> list[tuple[str, str]]:
    dims = [("all", ""), ("hour", f"{local_hour(event.at):02d}")]
    if event.agent_id is not None:
        dims.append(("agent", str(event.agent_id)))
    if facts is not None:
        dims.append(("channel", facts.channel))
        dims.append(("language", facts.language))
        if facts.reason:
            dims.append(("reason", facts.reason))
        if facts.intent:
            dims.append(("intent", facts.intent))
    return dims


class Aggregates:
    """Rollup and histogram increments, summed in memory before one upsert per key."""

    def __init__(self) -> None:
        self.rollups: dict[tuple[date, str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
        self.hist: dict[tuple[date, str, str, str, int], int] = defaultdict(int)
        self.events: list[dict[str, Any]] = []

    def add(self, event: Event, facts: Facts | None, conversation_id: int | None) -> None:
        day = local_day(event.at)
        count = -1 if event.value < 0 and not event.duration else 1
        total = event.value if event.value >= 0 or event.duration else 0.0
        for dim, value in dims_of(event, facts):
            acc = self.rollups[(day, event.name, dim, value)]
            acc[0] += count
            acc[1] += total
            # Percentiles per hour of day are not offered (means are): it saves a fifth
            # of the histogram rows, the largest table.
            if event.duration and dim != "hour":
                self.hist[(day, event.name, dim, value, bucket_of(event.value))] += 1
        self.events.append(
            {
                "name": event.name,
                "value": event.value,
                "conversation_id": conversation_id,
                "agent_id": event.agent_id,
                "channel": facts.channel if facts else None,
                "language": facts.language if facts else None,
                "reason": facts.reason if facts else None,
                "intent": facts.intent if facts else None,
                "day": day,
                "created_at": aware(event.at),
            }
        )

    def __bool__(self) -> bool:
        return bool(self.events)


# Statements built once (per dialect for the upserts): each flush of a message ran two to
# four of them, and a statement built anew is keyed anew by SQLAlchemy's compiled cache.
_INSERT_EVENTS = insert(_events)
_INSERT_FACTS = insert(_facts)
_LOAD_FACTS = select(_facts).where(_facts.c.conversation_id.in_(bindparam("ids", expanding=True)))
_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert_statement(dialect_name: str, table: Any, keys: list[str]) -> Any:
    stmt = _UPSERTS.get((dialect_name, table.name))
    if stmt is None:
        insert_ = insert_for(dialect_name)(table)
        sums = {c: table.c[c] + insert_.excluded[c] for c in ("count", "total") if c in table.c}
        stmt = insert_.on_conflict_do_update(index_elements=keys, set_=sums)
        _UPSERTS[(dialect_name, table.name)] = stmt
    return stmt


def _upsert(conn: Connection, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    conn.execute(_upsert_statement(conn.dialect.name, table, keys), rows)


def flush_aggregates(conn: Connection, agg: Aggregates, *, events: bool = True) -> None:
    if events and agg.events:
        conn.execute(_INSERT_EVENTS, agg.events)
    _upsert(
        conn,
        _rollups,
        ["day", "metric", "dim", "dim_value"],
        [
            {
                "day": k[0],
                "metric": k[1],
                "dim": k[2],
                "dim_value": k[3],
                "count": v[0],
                "total": v[1],
            }
            for k, v in agg.rollups.items()
        ],
    )
    _upsert(
        conn,
        _hist,
        ["day", "metric", "dim", "dim_value", "bucket"],
        [
            {
                "day": k[0],
                "metric": k[1],
                "dim": k[2],
                "dim_value": k[3],
                "bucket": k[4],
                "count": v,
            }
            for k, v in agg.hist.items()
        ],
    )


def facts_from_row(row: Any) -> Facts:
    values = {name: getattr(row, name) for name in FACT_COLUMNS}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = aware(value)
    return Facts(**values)


def load_facts(conn: Connection, ids: Iterable[int]) -> dict[int, Facts]:
    ids = list(ids)
    if not ids:
        return {}
    rows = conn.execute(_LOAD_FACTS, {"ids": ids}).all()
    return {row.conversation_id: facts_from_row(row) for row in rows}


# One statement object for every update of a conversation's facts (its SET clause comes
# from the parameters' names): a new one per message was built and keyed again each time.
_UPDATE_FACTS = update(_facts).where(_facts.c.conversation_id == bindparam("b_conversation_id"))


def save_facts(conn: Connection, facts: Iterable[Facts], new_ids: set[int]) -> None:
    fresh: list[dict[str, Any]] = []
    known: list[dict[str, Any]] = []
    for f in facts:
        # Facts hold plain values only: a flat copy, not asdict's deep one.
        row = {name: getattr(f, name) for name in FACT_COLUMNS}
        (fresh if f.conversation_id in new_ids else known).append(row)
    if fresh:
        conn.execute(_INSERT_FACTS, fresh)
    for row in known:
        values = {k: v for k, v in row.items() if k != "conversation_id"}
        conn.execute(_UPDATE_FACTS, {"b_conversation_id": row["conversation_id"], **values})
