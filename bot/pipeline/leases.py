"""Claiming rows of a database-backed queue (work items, outbox) with a lease.

A row can be claimed when it is pending, due, not leased (or its lease ran out: the worker
that held it died), and no older pending row of the same conversation exists. The last
rule is what keeps one conversation in order while many workers run.

PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` lets several hub processes claim side by
side without waiting on each other. SQLite: every transaction takes the write lock at
BEGIN (bot.store.db), so claims are serialised by the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from bot.store.db import Database


def claimable(model: Any, now: datetime) -> Any:
    older = aliased(model)
    return (
        select(model.id)
        .where(
            model.status == "pending",
            or_(model.lease_until.is_(None), model.lease_until < now),
            or_(model.not_before.is_(None), model.not_before <= now),
            ~exists().where(
                older.conversation_id == model.conversation_id,
                older.status == "pending",
                older.id < model.id,
            ),
        )
        .order_by(model.id)
    )


async def claim(
    db: Database, model: Any, owner: str, lease_s: float, now: datetime, limit: int = 1
) -> list[int]:
    query = claimable(model, now).limit(limit)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    async with db.session() as session:
        ids = list((await session.scalars(query)).all())
        if ids:
            await session.execute(
                update(model)
                .where(model.id.in_(ids))
                .values(
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=model.attempts + 1,
                )
            )
        await session.commit()
    return ids


async def renew(db: Database, model: Any, row_id: int, owner: str, until: datetime) -> None:
    async with db.session() as session:
        await session.execute(
            update(model)
            .where(model.id == row_id, model.lease_owner == owner, model.status == "pending")
            .values(lease_until=until)
        )
        await session.commit()


async def release(
    db: Database, model: Any, row_id: int, owner: str, not_before: datetime | None, **values: Any
) -> None:
    """Give a claimed row back (to be retried at ``not_before``)."""
    async with db.session() as session:
        await session.execute(
            update(model)
            .where(model.id == row_id, model.lease_owner == owner)
            .values(lease_owner=None, lease_until=None, not_before=not_before, **values)
        )
        await session.commit()
