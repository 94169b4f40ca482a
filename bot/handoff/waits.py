"""The wait told to a waiting customer, from the hub's database: the queue ahead that
needs the same agents, their free and total capacity, the measured handling and
acknowledgement times, and the arrival rate of higher classes (``bot.handoff.estimate``
has the model)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff import estimate, routing
from bot.handoff.dispatch import snapshot, waiting_item
from bot.serialize import aware
from bot.store.models import Conversation

DEFAULT_HANDLE_S = 240.0
DEFAULT_ACK_S = 10.0
RATE_WINDOW = timedelta(hours=1)
RECENT_CHATS = 50  # handling and acknowledgement times are measured over these


async def measured_times(session: AsyncSession) -> tuple[float, float]:
    """Mean handling time and mean offer-to-acknowledgement time of recent chats."""
    rows = (
        await session.execute(
            select(Conversation.agent_joined_at, Conversation.resolved_at)
            .where(Conversation.agent_joined_at.is_not(None), Conversation.resolved_at.is_not(None))
            .order_by(Conversation.id.desc())
            .limit(RECENT_CHATS)
        )
    ).all()
    handles = [(aware(b) - aware(a)).total_seconds() for a, b in rows]  # type: ignore[operator]
    acks = (
        await session.execute(
            select(Conversation.assigned_at, Conversation.acknowledged_at)
            .where(Conversation.assigned_at.is_not(None), Conversation.acknowledged_at.is_not(None))
            .order_by(Conversation.id.desc())
            .limit(RECENT_CHATS)
        )
    ).all()
    ack_s = [max(0.0, (aware(b) - aware(a)).total_seconds()) for a, b in acks]  # type: ignore[operator]
    handle = sum(handles) / len(handles) if handles else DEFAULT_HANDLE_S
    return handle, (sum(ack_s) / len(ack_s) if ack_s else DEFAULT_ACK_S)


async def arrival_rates(session: AsyncSession, now: datetime) -> dict[int, float]:
    """Conversations entering the queue per second over the last hour, by class."""
    rows = (
        await session.execute(
            select(Conversation.priority, func.count())
            .where(Conversation.waiting_since >= now - RATE_WINDOW)
            .group_by(Conversation.priority)
        )
    ).all()
    return {int(p): int(n) / RATE_WINDOW.total_seconds() for p, n in rows}


async def estimates(
    session: AsyncSession, settings: Any, convs: list[Conversation] | None = None
) -> dict[int, tuple[int, float | None]]:
    """(position, expected wait in seconds or None) of waiting conversations: the wait is
    None when no one present can take it. See ``bot.handoff.estimate``."""
    now = datetime.now(timezone.utc)
    rules = routing.Rules.from_settings(settings)
    waiting, agents, _ = await snapshot(session, settings, now)
    handle_s, ack_s = await measured_times(session)
    rates = await arrival_rates(session, now)
    items = {c.id: waiting_item(c, settings) for c in waiting}
    ordered = routing.order(items.values(), now.timestamp(), rules)
    wanted = {c.id for c in convs} if convs is not None else set(items)
    out: dict[int, tuple[int, float | None]] = {}
    # Conversations seen so far in the order, by skill: "ahead" is one pass, not a pass
    # per customer (the scheduler asks for every waiting customer each second).
    seen: Counter[str] = Counter()
    for index, item in enumerate(ordered):
        if item.id in wanted:
            skilled = [
                a
                for a in agents
                if a.present
                and routing.has_skill(a, item.skill)
                and (item.team is None or a.team == item.team)
            ]
            # Ahead: the conversations before it that the same agents could take.
            if any(a.skills is None for a in skilled):
                ahead = index
            else:
                covered = set().union(*(a.skills or () for a in skilled))
                ahead = sum(seen[skill] for skill in covered)
            servers = sum(routing.capacity_of(a, rules) for a in skilled)
            free = sum(max(0, routing.capacity_of(a, rules) - a.load) for a in skilled)
            higher = sum(r for p, r in rates.items() if p > item.priority)
            wait = estimate.estimate_wait_s(ahead, free, servers, handle_s, higher, ack_s)
            out[item.id] = (index + 1, wait)
        seen[item.skill] += 1
    return out
