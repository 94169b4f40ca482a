"""Periodic duties that keep promises: mark absent agents offline, requeue unacknowledged
assignments, raise long waits to urgent, remind and escalate call-backs, and keep waiting
customers informed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import jobs, presence, states
from bot.handoff import callbacks, queue, urgency
from bot.store.models import Conversation

if TYPE_CHECKING:
    from bot.core import Core as Hub

log = logging.getLogger(__name__)
WAITING_UPDATE_S = 120.0


def _due(conv: Conversation, now: datetime) -> bool:
    """A waiting customer not told their position for a while."""
    last = (conv.context or {}).get("last_position_update")
    if conv.state != states.WAITING:
        return False
    return not last or now - datetime.fromisoformat(last) >= timedelta(seconds=WAITING_UPDATE_S)


async def update_waiting_customers(hub: Hub) -> int:
    now = datetime.now(timezone.utc)
    told = 0
    async with hub.db.session() as session:
        rows = (
            await session.scalars(select(Conversation).where(Conversation.state == states.WAITING))
        ).all()
        due = [conv.id for conv in rows if _due(conv, now)]
        await session.commit()
    for conv_id in due:
        async with hub.db.session() as session:
            # Re-read under the row lock: intake's worker may have just queued it and told
            # the customer already (the same message twice otherwise).
            conv = await session.get(Conversation, conv_id, with_for_update=True)
            if conv is None or not _due(conv, now):
                continue
            await queue.tell_position(hub, session, conv, first=False)
        told += 1
    return told


async def tick(hub: Hub) -> None:
    await presence.sweep(hub)
    await queue.requeue_unacknowledged(hub)
    await urgency.escalate_long_waits(hub)
    await callbacks.sweep(hub)
    await update_waiting_customers(hub)


async def run_forever(hub: Hub, interval_s: float = 1.0) -> None:
    """Tick on the one replica holding the scheduler's lease (``bot.jobs``)."""
    settings = hub.settings
    await jobs.run_leased(
        hub.db,
        "scheduler",
        settings.replica_name,
        settings.job_lease_s,
        interval_s,
        lambda: tick(hub),
    )
