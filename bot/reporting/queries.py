"""Reports read from the aggregates: the figures of a period, their breakdowns and their
daily series. Each figure's formula is in docs/metrics.md; nothing here reads messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reporting.models import ReportingHistogram as H
from bot.reporting.models import ReportingRollup as R
from bot.reporting.recorder import REPORT_TZ, bucket_value
from bot.store.times import utc_now

RANGES = {"today": 1, "7d": 7, "30d": 30}


@dataclass
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def period(
    name: str, start: date | None = None, end: date | None = None, now: datetime | None = None
) -> Period:
    """today | 7d | 30d (ending today, local time), or custom with start and end dates."""
    today = (now or utc_now()).astimezone(REPORT_TZ).date()
    if name == "custom":
        if start is None or end is None:
            raise ValueError("A custom range needs a start and an end date.")
        if end < start:
            raise ValueError("The range must end on or after its start.")
        if (end - start).days > 366:
            raise ValueError("A range covers at most 366 days.")
        return Period(start, end)
    if name not in RANGES:
        raise ValueError(f"Unknown range {name!r}: today, 7d, 30d or custom.")
    return Period(today - timedelta(days=RANGES[name] - 1), today)


def percentile(buckets: dict[int, int], q: float) -> float | None:
    total = sum(buckets.values())
    if not total:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen >= rank:
            return round(bucket_value(bucket), 1)
    return None


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


def _rate(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole > 0 else None


def compute(sums: dict[str, tuple[int, float]], hist: dict[str, dict[int, int]]) -> dict[str, Any]:
    """Figures from summed rollups (metric -> (count, total)) and histograms."""

    def n(metric: str) -> int:
        return int(sums.get(metric, (0, 0.0))[0])

    def mean(metric: str) -> float | None:
        count, total = sums.get(metric, (0, 0.0))
        return _mean(total, int(count))

    def pct(metric: str, q: float) -> float | None:
        return percentile(hist.get(metric, {}), q)

    csat_n, csat_total = sums.get("csat", (0, 0.0))
    nps_n = n("nps")
    offer_outcomes = n("offer_accepted") + n("offer_declined") + n("offer_not_relevant")
    offers_shown = max(n("offer_shown"), offer_outcomes)
    ended = n("contained") + n("handoffs")
    return {
        "conversations": n("conversations"),
        "handoffs": n("handoffs"),
        "contained": n("contained"),
        "containment_rate": _rate(n("contained"), ended),
        "abandoned": n("abandoned"),
        "abandonment_rate": _rate(n("abandoned"), n("handoffs")),
        "claims": n("claims"),
        "resolved": n("resolved"),
        "transfers": n("transfers"),
        "transfers_per_conversation": _rate(n("transfers"), n("handoffs"), 2),
        "requeues": n("requeues"),
        "first_response_s_mean": mean("first_response"),
        "first_response_s_p50": pct("first_response", 0.5),
        "first_response_s_p90": pct("first_response", 0.9),
        "first_responses": n("first_response"),
        "bot_response_s_mean": mean("bot_response"),
        "agent_response_s_mean": mean("agent_response"),
        "agent_response_s_p50": pct("agent_response", 0.5),
        "agent_response_s_p90": pct("agent_response", 0.9),
        "agent_messages": n("agent_messages"),
        "handling_s_mean": mean("handling"),
        "handling_s_p50": pct("handling", 0.5),
        "queue_wait_s_mean": mean("queue_wait"),
        "queue_wait_s_p50": pct("queue_wait", 0.5),
        "queue_wait_s_p90": pct("queue_wait", 0.9),
        "csat_responses": int(csat_n),
        "csat_mean": round(csat_total / csat_n, 2) if csat_n else None,
        "csat_top2_share": _rate(n("csat_top2"), int(csat_n)),
        "nps_responses": nps_n,
        "nps_promoters": n("nps_promoter"),
        "nps_detractors": n("nps_detractor"),
        "nps": round(100 * (n("nps_promoter") - n("nps_detractor")) / nps_n) if nps_n else None,
        "survey_comments": n("survey_comments"),
        "callbacks_scheduled": n("callbacks_scheduled"),
        "callbacks_kept": n("callbacks_kept"),
        "callbacks_missed": n("callbacks_missed"),
        "callbacks_overdue": n("callbacks_overdue"),
        "suggestions_shown": n("suggestion_shown"),
        "suggestions_inserted": n("suggestion_inserted"),
        "suggestions_sent": n("suggestion_sent"),
        "suggestions_sent_edited": n("suggestion_sent_edited"),
        "suggestions_dismissed": n("suggestion_dismissed"),
        "suggestion_use_rate": _rate(
            n("suggestion_sent") + n("suggestion_sent_edited"), n("suggestion_shown")
        ),
        "offers_shown": offers_shown,
        "offers_accepted": n("offer_accepted"),
        "offer_acceptance": _rate(n("offer_accepted"), offers_shown),
    }


async def _sums(
    session: AsyncSession, p: Period, dim: str, value: str | None, by_day: bool
) -> tuple[dict[Any, dict[str, tuple[int, float]]], dict[Any, dict[str, dict[int, int]]]]:
    key = R.day if by_day else R.dim_value
    query = (
        select(key, R.metric, func.sum(R.count), func.sum(R.total))
        .where(R.dim == dim, R.day >= p.start, R.day <= p.end)
        .group_by(key, R.metric)
    )
    hkey = H.day if by_day else H.dim_value
    hquery = (
        select(hkey, H.metric, H.bucket, func.sum(H.count))
        .where(H.dim == dim, H.day >= p.start, H.day <= p.end)
        .group_by(hkey, H.metric, H.bucket)
    )
    if value is not None:
        query = query.where(R.dim_value == value)
        hquery = hquery.where(H.dim_value == value)
    sums: dict[Any, dict[str, tuple[int, float]]] = defaultdict(dict)
    for k, metric, count, total in (await session.execute(query)).all():
        sums[k][metric] = (int(count or 0), float(total or 0.0))
    hist: dict[Any, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for k, metric, bucket, count in (await session.execute(hquery)).all():
        hist[k][metric][int(bucket)] = int(count or 0)
    return sums, hist


async def figures(
    session: AsyncSession, p: Period, dim: str = "all", value: str | None = None
) -> dict[str, dict[str, Any]]:
    """Figures per value of one breakdown (``all`` gives one row keyed "")."""
    sums, hist = await _sums(session, p, dim, value, by_day=False)
    return {k: compute(sums[k], hist.get(k, {})) for k in sorted(sums)}


async def series(
    session: AsyncSession, p: Period, dim: str = "all", value: str = ""
) -> list[tuple[date, dict[str, Any]]]:
    """Figures per local day of the period (days without activity included, empty)."""
    sums, hist = await _sums(session, p, dim, value, by_day=True)
    keyed = {(d if isinstance(d, date) else date.fromisoformat(str(d))): d for d in sums}
    return [
        (day, compute(sums.get(keyed.get(day), {}), hist.get(keyed.get(day), {}))) for day in p.days
    ]
