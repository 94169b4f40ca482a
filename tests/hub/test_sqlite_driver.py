"""The SQLite adapter that runs each statement in one trip to its connection's thread
(bot/store/sqlite_driver.py): same results, same errors, same transactions as the stock
adapter, on a real database file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.store import sqlite_driver
from bot.store.db import Database

meta = MetaData()
notes = Table(
    "notes",
    meta,
    Column("id", Integer, primary_key=True),
    Column("body", String, unique=True),
    Column("n", Integer),
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function sent to a connection's thread."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", type(fn).__name__))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def test_the_engine_uses_the_one_trip_adapter(db: Database) -> None:
    for engine in (db.engine, db.read_engine):
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.dbapi_connection, sqlite_driver.OneTripConnection)


async def test_rows_counts_and_ids_come_back_as_the_driver_gives_them(db: Database) -> None:
    async with db.session() as session:
        first = await session.execute(insert(notes).values(body="a", n=1).returning(notes.c.id))
        assert first.scalar_one() == 1
        many = await session.execute(insert(notes), [{"body": f"b{i}", "n": i} for i in range(5)])
        assert many.rowcount == 5  # type: ignore[attr-defined]
        changed = await session.execute(update(notes).where(notes.c.n >= 3).values(n=0))
        assert changed.rowcount == 2  # type: ignore[attr-defined]
        rows = (await session.execute(select(notes.c.body, notes.c.n).order_by(notes.c.id))).all()
        assert [tuple(r) for r in rows] == [
            ("a", 1),
            ("b0", 0),
            ("b1", 1),
            ("b2", 2),
            ("b3", 0),
            ("b4", 0),
        ]
        assert rows[0]._fields == ("body", "n")  # the description came back too
        one = select(notes.c.body).where(notes.c.id == bindparam("i"))
        assert await session.scalar(one, {"i": 3}) == "b1"
        assert await session.scalar(one, {"i": 99}) is None
        await session.commit()
    async with db.reader() as reader:
        assert await reader.scalar(select(func.count()).select_from(notes)) == 6


async def test_a_driver_error_is_raised_and_rolls_back_as_before(db: Database) -> None:
    async with db.session() as session:
        await session.execute(insert(notes).values(body="same", n=1))
        await session.commit()
    async with db.session() as session:
        await session.execute(insert(notes).values(body="kept only if committed", n=2))
        with pytest.raises(IntegrityError):
            await session.execute(insert(notes).values(body="same", n=3))
        await session.rollback()
    async with db.reader() as reader:
        bodies = (await reader.scalars(select(notes.c.body))).all()
    assert bodies == ["same"]


async def test_one_trip_per_statement_and_none_for_a_finished_transaction(
    db: Database, trips: list[str]
) -> None:
    async with db.reader() as reader:  # the reader's connection is opened (and set up) here
        await reader.scalar(text("SELECT 1"))
    trips.clear()
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        await session.execute(insert(notes).values(body="x", n=1))
        await session.commit()
    # BEGIN IMMEDIATE with the first statement, the second, COMMIT; the pool's rollback of
    # a connection whose transaction is over costs no trip (sqlite3 would do nothing).
    assert trips == ["_run", "_run", "commit"]
    trips.clear()
    async with db.reader() as reader:
        assert await reader.scalar(select(notes.c.n)) == 1
    assert trips == ["_run", "rollback"]  # BEGIN with the read, the end of the read
    trips.clear()
    async with db.session() as session:  # a transaction with no statement reaches nothing
        await session.connection()
        await session.commit()
    assert trips == []


async def test_the_write_lock_is_taken_before_the_first_statement_runs(db: Database) -> None:
    """BEGIN IMMEDIATE travels with the first statement, ahead of it: a second writer
    waits for the lock (busy_timeout) instead of running beside the first."""
    quick = Database(str(db.url), busy_timeout_ms=200)
    try:
        async with db.session() as first:
            await first.execute(insert(notes).values(body="first", n=1))
            with pytest.raises(OperationalError, match="locked"):
                async with quick.session() as second:
                    await second.execute(select(notes.c.n))
            await first.commit()
        async with quick.session() as second:
            assert await second.scalar(select(func.count()).select_from(notes)) == 1
            await second.commit()
    finally:
        await quick.dispose()


async def test_a_one_statement_read_makes_one_trip_and_sees_committed_rows(
    db: Database, trips: list[str]
) -> None:
    """Database.read_one: no BEGIN, so no transaction to end: the read is its trip alone.
    It reads the last committed state, beside an open writer, as a reader does."""
    async with db.session() as session:
        await session.execute(insert(notes).values(body="kept", n=1))
        await session.commit()
    async with db.read_one() as reader:  # the connection is opened (and set up) here
        await reader.scalar(text("SELECT 1"))
    trips.clear()
    async with db.read_one() as reader:
        assert await reader.scalar(select(func.count()).select_from(notes)) == 1
        await reader.commit()
    assert trips == ["_run"]
    writer = db.sessionmaker()
    try:
        await writer.execute(insert(notes).values(body="open", n=2))  # holds the write lock
        async with db.read_one() as reader:
            assert await reader.scalar(select(func.count()).select_from(notes)) == 1
        await writer.commit()
    finally:
        await writer.close()
    async with db.read_one() as reader:
        assert await reader.scalar(select(func.count()).select_from(notes)) == 2
