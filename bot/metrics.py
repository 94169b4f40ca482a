"""Service measures that matter: first response time, average response time, handling
time, CSAT and NPS, computed from stored conversations and messages."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.serialize import aware
from bot.store.models import Conversation, Message


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def service_metrics(session: AsyncSession, days: int = 30) -> dict[str, Any]:
    since = datetime.now(timezone.utc) - timedelta(days=days)
    convs = (
        await session.scalars(select(Conversation).where(Conversation.created_at >= since))
    ).all()
    ids = [c.id for c in convs]
    messages = (
        (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id.in_(ids))
                .order_by(Message.conversation_id, Message.seq)
            )
        ).all()
        if ids
        else []
    )

    first_response, responses = [], []
    pending: dict[int, datetime] = {}
    seen_first: set[int] = set()
    for msg in messages:
        at = aware(msg.created_at)
        assert at is not None
        if msg.direction == "in":
            pending.setdefault(msg.conversation_id, at)
        elif msg.sender in ("bot", "agent") and msg.conversation_id in pending:
            delay = (at - pending.pop(msg.conversation_id)).total_seconds()
            responses.append(delay)
            if msg.conversation_id not in seen_first:
                seen_first.add(msg.conversation_id)
                first_response.append(delay)

    handling = [
        (aware(c.resolved_at) - aware(c.agent_joined_at)).total_seconds()  # type: ignore[operator]
        for c in convs
        if c.agent_joined_at and c.resolved_at
    ]
    csat = [c.csat for c in convs if c.csat is not None]
    nps = [c.nps for c in convs if c.nps is not None]
    promoters = sum(1 for n in nps if n >= 9)
    detractors = sum(1 for n in nps if n <= 6)
    return {
        "days": days,
        "conversations": len(convs),
        "handed_off": sum(1 for c in convs if c.handoff_reason),
        "first_response_s_median": _median(first_response),
        "response_s_median": _median(responses),
        "response_s_mean": round(statistics.fmean(responses), 1) if responses else None,
        "handling_s_median": _median(handling),
        "csat_mean": round(statistics.fmean(csat), 2) if csat else None,
        "csat_responses": len(csat),
        "nps": round(100 * (promoters - detractors) / len(nps)) if nps else None,
        "nps_responses": len(nps),
    }
