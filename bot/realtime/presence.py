"""Agent presence: an agent is present while their panel's websocket is live.

The websocket handler checks in (``touch``) when it opens and every third of the timeout
while it stays open; the scheduler's ``sweep`` marks agents whose panel has not checked in
within ``presence_timeout_s`` offline, so a closed laptop stops receiving assignments.
``online`` itself stays the agent's own choice (the panel's available/away switch).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot.realtime import events
from bot.store.models import User
from bot.store.times import utc_now

if TYPE_CHECKING:
    from bot.core import Core


async def touch(core: Core, user_id: int) -> None:
    async with core.db.session() as session:
        await session.execute(update(User).where(User.id == user_id).values(last_seen_at=utc_now()))
        await session.commit()


async def sweep(core: Core, now: datetime | None = None) -> list[str]:
    """Set agents with no live panel offline; returns their usernames."""
    now = now or utc_now()
    limit = now - timedelta(seconds=core.settings.presence_timeout_s)
    async with core.db.session() as session:
        gone = (
            await session.scalars(
                select(User).where(
                    User.online.is_(True),
                    (User.last_seen_at.is_(None)) | (User.last_seen_at < limit),
                )
            )
        ).all()
        for user in gone:
            user.online = False
        names = [u.username for u in gone]
        await session.commit()
    for name in names:
        frame = events.PresenceFrame(type="presence", user=name, online=False)
        events.publish(core.broker, events.AGENTS, frame)
    return names
