"""Claiming rows of a database-backed queue (work items, outbox) with a lease.

A row can be claimed when it is pending, due, not leased (or its lease ran out: the worker
that held it died), and no older pending row of the same conversation exists. The last
rule is what keeps one conversation in order while many workers run.

PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` lets several hub processes claim side by
side without waiting on each other. SQLite: every transaction takes the write lock at
BEGIN (bot.store.db), so claims are serialised by the database.

Fair order (work items): among claimable rows, the one that has been *ready* longest
goes first, where a row is ready from when it was stored or, if later, from when its
conversation's previous row finished. Oldest-id-first would let a visitor with a backlog
hold the workers: each of their rows is older than a newcomer's message, so as soon as
one finished the next jumped ahead again, and a customer's single turn waited behind the
whole backlog (8 flooding visitors: p95 45 s). Ready-time order serves conversations in
turn, like a round-robin, and still one row at a time within a conversation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.store.db import Database


def ready_at(model: Any) -> Any:
    """When a row became claimable: stored, or its conversation's previous row finished."""
    prev = aliased(model)
    last_done = (
        select(func.max(prev.done_at))
        .where(prev.conversation_id == model.conversation_id, prev.status != "pending")
        .scalar_subquery()
    )
    # NULL (no finished row yet) compares as not greater: the row's own time is used.
    return case((last_done > model.created_at, last_done), else_=model.created_at)


def claimable(model: Any, now: Any, *, fair: bool = False) -> Any:
    """The claimable rows' ids, in claim order; ``now`` is a datetime or a bind parameter."""
    older = aliased(model)
    order = (ready_at(model), model.id) if fair else (model.id,)
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
        .order_by(*order)
    )


@cache
def _statements(model: Any, limit: int, fair: bool, for_update: bool) -> tuple[Any, Any]:
    """The claim's select and update, built once per queue with their values as bind
    parameters: building the aliased, correlated select again at every claim (several a
    message: the claim, the re-claim after a turn, the outbox's) cost more of the hub's
    CPU than running it, and a statement object reused keeps SQLAlchemy's cache key."""
    query = claimable(model, bindparam("now"), fair=fair).limit(limit)
    if for_update:
        query = query.with_for_update(skip_locked=True)
    lease = (
        update(model)
        .where(model.id.in_(bindparam("ids", expanding=True)))
        .values(
            lease_owner=bindparam("owner"),
            lease_until=bindparam("until"),
            attempts=model.attempts + 1,
        )
        # The claim's session holds no loaded rows: nothing to bring in line with it.
        .execution_options(synchronize_session=False)
    )
    return query, lease


async def claim(
    db: Database,
    model: Any,
    owner: str,
    lease_s: float,
    now: datetime,
    limit: int = 1,
    *,
    fair: bool = False,
) -> list[int]:
    async with db.session() as session:
        ids = await claim_in(session, db, model, owner, lease_s, now, limit, fair)
        await session.commit()
    return ids


async def claim_rows(
    db: Database, model: Any, owner: str, lease_s: float, now: datetime, limit: int, read: Any
) -> list[Any]:
    """``claim``, and the claimed rows as ``read`` selects them (bound to ``ids``), in the
    claim's own transaction: one transaction where a claim and a read of what it claimed
    were two. The read is a select only (nothing outside the database is waited on)."""
    async with db.session() as session:
        ids = await claim_in(session, db, model, owner, lease_s, now, limit, False)
        rows = list((await session.execute(read, {"ids": ids})).all()) if ids else []
        await session.commit()
    return rows


async def claim_in(
    session: Any,
    db: Database,
    model: Any,
    owner: str,
    lease_s: float,
    now: datetime,
    limit: int,
    fair: bool,
) -> list[int]:
    """``claim``'s statements in the caller's transaction (the caller commits)."""
    query, lease = _statements(model, limit, fair, not db.is_sqlite)
    ids = list((await session.scalars(query, {"now": now})).all())
    if ids:
        await session.execute(
            lease, {"ids": ids, "owner": owner, "until": now + timedelta(seconds=lease_s)}
        )
    return ids


async def release_orphans(db: Database, model: Any) -> int:
    """Free every lease at start-up of the embedded hub. On SQLite the hub is the only
    process (README, "Running a cluster" needs PostgreSQL), so a lease found at start
    belongs to a predecessor that was killed: waiting for it to run out would leave its
    customer (and every later message of theirs, held behind it) silent for a lease term.
    Replicas on PostgreSQL never do this: a lease there may be a live neighbour's."""
    if not db.is_sqlite:
        return 0
    async with db.session() as session:
        result = await session.execute(
            update(model)
            .where(model.status == "pending", model.lease_until.is_not(None))
            .values(lease_owner=None, lease_until=None)
        )
        await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
