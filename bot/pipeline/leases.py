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

from bot.store.db import Database


def ready_at(rows: Any) -> Any:
    """When a row became claimable: stored, or its conversation's previous row finished.
    ``rows`` is the queue's table (or an alias of it)."""
    prev = rows.alias()
    last_done = (
        select(func.max(prev.c.done_at))
        .where(prev.c.conversation_id == rows.c.conversation_id, prev.c.status != "pending")
        .scalar_subquery()
    )
    # NULL (no finished row yet) compares as not greater: the row's own time is used.
    return case((last_done > rows.c.created_at, last_done), else_=rows.c.created_at)


def claimable(rows: Any, now: Any, *, fair: bool = False) -> Any:
    """The claimable rows' ids, in claim order; ``rows`` is the queue's table (or an alias
    of it), ``now`` a datetime or a bind parameter."""
    older = rows.alias()
    c = rows.c
    order = (ready_at(rows), c.id) if fair else (c.id,)
    return (
        select(c.id)
        .where(
            c.status == "pending",
            or_(c.lease_until.is_(None), c.lease_until < now),
            or_(c.not_before.is_(None), c.not_before <= now),
            ~exists().where(
                older.c.conversation_id == c.conversation_id,
                older.c.status == "pending",
                older.c.id < c.id,
            ),
        )
        .order_by(*order)
    )


@cache
def _claim_statement(model: Any, limit: int, fair: bool, for_update: bool) -> Any:
    """The claim, built once per queue with its values as bind parameters: building the
    aliased, correlated select again at every claim (several a message: the claim, the
    re-claim after a turn, the outbox's) cost more of the hub's CPU than running it, and a
    statement object reused keeps SQLAlchemy's cache key.

    One statement: the lease is set on the rows the select picks, and their ids come back
    (``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id``; PostgreSQL's select
    locks them with ``FOR UPDATE SKIP LOCKED`` as before). It was a select and an update,
    two trips to the database for every claim that found a row. A Core statement on the
    table: the claim's session holds no loaded rows to bring in line with it."""
    table = model.__table__
    # The select reads an alias of the table: the table itself is the update's, and a
    # subquery naming it would be correlated to the row being updated.
    query = claimable(table.alias("claimable"), bindparam("now"), fair=fair).limit(limit)
    if for_update:
        query = query.with_for_update(skip_locked=True)
    return (
        update(table)
        .where(table.c.id.in_(query.scalar_subquery()))
        .values(
            lease_owner=bindparam("owner"),
            lease_until=bindparam("until"),
            attempts=table.c.attempts + 1,
        )
        .returning(table.c.id)
    )


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
    db: Database,
    model: Any,
    owner: str,
    lease_s: float,
    now: datetime,
    limit: int,
    read: Any,
    *,
    fair: bool = False,
) -> list[Any]:
    """``claim``, and the claimed rows as ``read`` selects them (bound to ``ids``), in the
    claim's own transaction: one transaction where a claim and a read of what it claimed
    were two. The read is a select only (nothing outside the database is waited on)."""
    async with db.session() as session:
        rows = await claim_rows_in(session, db, model, owner, lease_s, now, limit, read, fair)
        await session.commit()
    return rows


async def claim_rows_in(
    session: Any,
    db: Database,
    model: Any,
    owner: str,
    lease_s: float,
    now: datetime,
    limit: int,
    read: Any,
    fair: bool,
) -> list[Any]:
    """``claim_rows``'s statements in the caller's transaction (the caller commits)."""
    ids = await claim_in(session, db, model, owner, lease_s, now, limit, fair)
    return list((await session.execute(read, {"ids": ids})).all()) if ids else []


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
    """``claim``'s statement in the caller's transaction (the caller commits). The ids
    in id order (RETURNING gives them in no set order; with ``limit`` 1, as the workers
    claim, there is one)."""
    statement = _claim_statement(model, limit, fair, not db.is_sqlite)
    until = now + timedelta(seconds=lease_s)
    found = await session.scalars(statement, {"now": now, "owner": owner, "until": until})
    return sorted(found.all())


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
