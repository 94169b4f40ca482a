"""Wrap-up codes in the hub: the supervisors' list, the suggestions for a conversation and
the record of every choice (which feeds the counting model of ``bot.copilot.wrapup``)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.copilot import summary as summary_mod
from bot.copilot import wrapup
from bot.copilot.summary_store import record_of
from bot.store.copilot_models import WrapupChoice, WrapupCode
from bot.store.models import Conversation

# The model is rebuilt from the latest choices on each suggestion: counting a few thousand
# rows is quick, and old habits fade as the list and the agents change.
RECENT_CHOICES = 5000


class WrapupError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def codes(session: AsyncSession, *, active_only: bool = True) -> list[WrapupCode]:
    query = select(WrapupCode).order_by(WrapupCode.position, WrapupCode.code)
    if active_only:
        query = query.where(WrapupCode.active.is_(True))
    return list((await session.scalars(query)).all())


async def counts(session: AsyncSession) -> wrapup.Counts:
    rows = await session.execute(
        select(WrapupChoice.features, WrapupChoice.chosen)
        .order_by(WrapupChoice.id.desc())
        .limit(RECENT_CHOICES)
    )
    return wrapup.Counts.of((list(feats or []), chosen) for feats, chosen in rows)


def _features(record: summary_mod.Record) -> list[str]:
    return wrapup.features_of(dict(record), summary_mod.summarise(record))


async def features_now(session: AsyncSession, conv: Conversation) -> list[str]:
    # Pure CPU on plain data: in a worker thread, off the event loop.
    return await asyncio.to_thread(_features, await record_of(session, conv))


async def suggest(session: AsyncSession, conv: Conversation) -> tuple[list[str], list[str]]:
    """The top three active codes for the conversation, and its features."""
    feats = await features_now(session, conv)
    active = [c.code for c in await codes(session)]
    return wrapup.rank(feats, active, await counts(session)), feats


async def check_code(session: AsyncSession, code: str) -> None:
    row = await session.get(WrapupCode, code)
    if row is None or not row.active:
        raise WrapupError(422, f"{code!r} is not an active wrap-up code.")


async def record_choice(
    session: AsyncSession, conv: Conversation, agent_id: int | None, chosen: str
) -> WrapupChoice:
    """Keep what was suggested and what the agent chose, in the caller's transaction."""
    suggested, feats = await suggest(session, conv)
    choice = WrapupChoice(
        conversation_id=conv.id,
        agent_id=agent_id,
        suggested=suggested,
        chosen=chosen,
        features=feats,
    )
    session.add(choice)
    return choice
