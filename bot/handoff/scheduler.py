"""Periodic duties that keep promises: requeue unacknowledged assignments, remind and
escalate call-backs, and keep waiting customers informed."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import states
from bot.handoff import callbacks, queue
from bot.store.models import Conversation

if TYPE_CHECKING:
    from bot.service import Hub

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
        for conv in rows:
            if not _due(conv, now):
                continue
            async with hub.lock_for_conversation(conv):
                # The row was read before the lock: intake may have just queued it and told
                # the customer already (same seq, same message twice otherwise).
                await session.refresh(conv)
                if not _due(conv, now):
                    continue
                await queue.tell_position(hub, session, conv, first=False)
            told += 1
    return told


async def tick(hub: Hub) -> None:
    await queue.requeue_unacknowledged(hub)
    await callbacks.sweep(hub)
    await update_waiting_customers(hub)


async def run_forever(hub: Hub, interval_s: float = 1.0) -> None:
    while True:
        try:
            await tick(hub)
        except asyncio.CancelledError:
            raise
        except Exception:  # one bad row must not stop every other promise being kept
            log.exception("scheduler tick failed")
        await asyncio.sleep(interval_s)
