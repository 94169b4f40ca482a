"""Service measures for ``/api/metrics``: first response by a human, agents' response
time, handling time, CSAT and NPS over recent days. Read from the reporting aggregates
(bot.reporting), so a request never scans messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reporting.queries import Period, figures
from bot.reporting.recorder import REPORT_TZ
from bot.store.times import utc_now


async def service_metrics(session: AsyncSession, days: int = 30) -> dict[str, Any]:
    today = utc_now().astimezone(REPORT_TZ).date()
    days = max(1, min(days, 3650))
    row = (await figures(session, Period(today - timedelta(days=days - 1), today))).get("", {})
    return {
        "days": days,
        "conversations": row.get("conversations", 0),
        "handed_off": row.get("handoffs", 0),
        "first_response_s_median": row.get("first_response_s_p50"),
        "response_s_median": row.get("agent_response_s_p50"),
        "response_s_mean": row.get("agent_response_s_mean"),
        "handling_s_median": row.get("handling_s_p50"),
        "csat_mean": row.get("csat_mean"),
        "csat_responses": row.get("csat_responses", 0),
        "nps": row.get("nps"),
        "nps_responses": row.get("nps_responses", 0),
    }
