"""The wait told to a waiting customer, from the hub's database: the queue ahead, the
present agents' capacity, their open chats' ages and unacknowledged offers, the measured
handling and acknowledgement times, the share of missed offers and the last hour's
arrivals by class and skill (``bot.handoff.estimate.queue_wait_s`` plays the next offers
out, ``bot.handoff.forecast`` has the model)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff import estimate, forecast, routing
from bot.handoff.dispatch import epoch, snapshot, waiting_item
from bot.store import states
from bot.store.models import Conversation
from bot.store.times import aware, utc_now

DEFAULT_HANDLE_S = 240.0
DEFAULT_ACK_S = 10.0
RATE_WINDOW = timedelta(hours=1)
RECENT_CHATS = 200  # handling and acknowledgement times are measured over these


async def recent_handles(session: AsyncSession, limit: int = RECENT_CHATS) -> list[float]:
    """Handling times (the agent joining to resolution), in seconds, of the ``limit``
    conversations that ended last, most recent first.

    Read by when they ended, not by id: an id is given when a conversation starts, so the
    highest ids that have ended are the chats that started late and ended quickly, while
    a long chat that started earlier and just ended would be left out; the sample would
    lean short. The index on ``resolved_at`` (migration 0015) serves this read."""
    rows = (
        await session.execute(
            select(Conversation.agent_joined_at, Conversation.resolved_at)
            .where(Conversation.resolved_at.is_not(None), Conversation.agent_joined_at.is_not(None))
            .order_by(Conversation.resolved_at.desc(), Conversation.id.desc())
            .limit(limit)
        )
    ).all()
    return [max(1.0, (aware(b) - aware(a)).total_seconds()) for a, b in rows]  # type: ignore[operator]


async def measured(session: AsyncSession, settings: Any, now: datetime) -> forecast.Measured:
    """Recent handling and acknowledgement times, the share of recent hand-offs with a
    missed offer, and the last hour's arrivals by class and skill."""
    handles = await recent_handles(session)
    acked = (
        await session.execute(
            select(Conversation.assigned_at, Conversation.acknowledged_at, Conversation.context)
            .where(Conversation.assigned_at.is_not(None), Conversation.acknowledged_at.is_not(None))
            .order_by(Conversation.id.desc())
            .limit(RECENT_CHATS)
        )
    ).all()
    acks = [max(0.0, (aware(b) - aware(a)).total_seconds()) for a, b, _ in acked]  # type: ignore[operator]
    missed = sum(1 for _, _, context in acked if (context or {}).get("missed_by"))
    arrivals = (
        await session.execute(
            select(Conversation.priority, Conversation.handoff_reason, func.count())
            .where(Conversation.waiting_since >= now - RATE_WINDOW)
            .group_by(Conversation.priority, Conversation.handoff_reason)
        )
    ).all()
    by_class_skill: Counter[tuple[int, str]] = Counter()
    for priority, reason, n in arrivals:
        skill = routing.skill_of(reason, settings.routing_reason_skills)
        by_class_skill[(int(priority), skill)] += int(n)
    window = RATE_WINDOW.total_seconds()
    return forecast.Measured(
        handle_s=tuple(handles) or (DEFAULT_HANDLE_S,),
        ack_s=tuple(acks) or (DEFAULT_ACK_S,),
        miss_share=missed / len(acked) if acked else 0.0,
        ack_timeout_s=float(settings.ack_timeout_s),
        arrival_rates=tuple((c, k, n / window) for (c, k), n in by_class_skill.items()),
    )


async def open_chats(session: AsyncSession) -> tuple[dict[int, list[float]], dict[int, float]]:
    """By agent: the start (acknowledgement) times of their open chats, and the time of
    their unacknowledged offer, in epoch seconds."""
    rows = (
        await session.execute(
            select(
                Conversation.assigned_to, Conversation.assigned_at, Conversation.acknowledged_at
            ).where(Conversation.state == states.ASSIGNED, Conversation.assigned_to.is_not(None))
        )
    ).all()
    chats: dict[int, list[float]] = {}
    offers: dict[int, float] = {}
    for agent_id, assigned_at, acknowledged_at in rows:
        if agent_id is None:
            continue
        acked = epoch(acknowledged_at)
        if acked is not None:
            chats.setdefault(int(agent_id), []).append(acked)
        else:
            offers[int(agent_id)] = epoch(assigned_at) or 0.0
    return chats, offers


async def estimates(
    session: AsyncSession, settings: Any, convs: list[Conversation] | None = None
) -> dict[int, tuple[int, float | None]]:
    """(position, expected wait in seconds or None) of waiting conversations: the wait is
    None when no one present can take it. See ``bot.handoff.estimate.queue_wait_s``."""
    now = utc_now()
    rules = routing.Rules.from_settings(settings)
    waiting, agents, _ = await snapshot(session, settings, now)
    chats, offers = await open_chats(session)
    facts = await measured(session, settings, now)
    items = {c.id: waiting_item(c, settings) for c in waiting}
    ordered = routing.order(items.values(), now.timestamp(), rules)
    wanted = {c.id for c in convs} if convs is not None else set(items)

    def compute() -> dict[int, tuple[int, float | None]]:
        return {
            item.id: (
                index + 1,
                estimate.queue_wait_s(
                    item, ordered, agents, now.timestamp(), rules, chats, offers, facts
                ),
            )
            for index, item in enumerate(ordered)
            if item.id in wanted
        }

    # A few milliseconds of numpy per waiting customer: off the event loop.
    return await asyncio.to_thread(compute)
