"""Engines and sessions. Settings hold one synchronous URL; the async URL is derived from it
so Alembic (sync) and the hub (async) always point at the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.store import sqlite_driver

# An execution option of Database.read_one's sessions: one statement, no transaction.
ONE_STATEMENT = "tandem_one_statement"


def async_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        return str(parsed.set(drivername="postgresql+psycopg"))
    return url


def sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return str(parsed.set(drivername="sqlite"))
    if parsed.drivername == "postgresql":
        return str(parsed.set(drivername="postgresql+psycopg"))
    return url


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(
    url: str,
    pool_size: int = 10,
    max_overflow: int = 20,
    *,
    read_only: bool = False,
    busy_timeout_ms: int = 30_000,
) -> AsyncEngine:
    ensure_sqlite_dir(url)
    full = async_url(url)
    if make_url(full).drivername == "sqlite+aiosqlite":
        # One trip to the connection's thread per statement (bot.store.sqlite_driver), and
        # no ping at each checkout: a file database has no server to drop an idle
        # connection, and the ping was one more trip for every transaction.
        engine = create_async_engine(
            full, module=sqlite_driver.dbapi(), pool_size=pool_size, max_overflow=max_overflow
        )
    else:
        engine = create_async_engine(
            full, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow
        )
    if engine.dialect.name == "sqlite":
        # WAL lets readers continue while a writer commits; busy_timeout waits instead of failing.
        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # The driver's implicit BEGIN is turned off so that "begin" below decides.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            # A deferred transaction that reads, then writes, fails at once with "database
            # is locked" when another writer got in between (busy_timeout does not apply to
            # that upgrade). Taking the write lock at BEGIN makes writers queue instead;
            # transactions are short (no remote call inside one), so the queue moves.
            # A reader engine (Database.reader) begins deferred: under WAL it reads a
            # snapshot and never waits in that queue.
            if read_only and conn.get_execution_options().get(ONE_STATEMENT):
                # Database.read_one: the statement is its own snapshot; no BEGIN, so no
                # transaction is left to end (bot.store.sqlite_driver: no COMMIT trip).
                return
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class Database:
    def __init__(
        self, url: str, pool_size: int = 10, max_overflow: int = 20, busy_timeout_ms: int = 30_000
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size, max_overflow, busy_timeout_ms=busy_timeout_ms)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite readers get their own engine and pool: writers queueing for the one write
        # lock each hold a pooled connection while they wait, and a reader must not wait
        # behind them for a connection either. PostgreSQL has no such queue.
        self.read_engine = (
            make_engine(
                url, pool_size, max_overflow, read_only=True, busy_timeout_ms=busy_timeout_ms
            )
            if self.engine.dialect.name == "sqlite"
            else self.engine
        )
        self.reader_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.one_statement_sessionmaker = async_sessionmaker(
            self.read_engine, expire_on_commit=False, execution_options={ONE_STATEMENT: True}
        )
        # The store knows nothing of reporting: reporting's setup gives this database's
        # sessions its listener (bot.reporting.listeners.install).

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only, on the hot paths (an agent's suggestions): on SQLite it
        reads a snapshot without queueing behind the writers, so a burst of stored messages
        does not delay it. A write in it fails on SQLite ("database is locked") when another
        writer holds the lock; use ``session()`` for anything that writes."""
        async with self.reader_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[AsyncSession]:
        """A reader session for ONE read statement (the hot paths' single reads: a
        duplicate check, a work item's status, a message's replies). On SQLite the
        statement runs without BEGIN and COMMIT: a statement is its own consistent
        snapshot, and a read transaction of one statement cost a trip to the connection's
        thread for its COMMIT alone. A second statement in the session would read a
        snapshot of its own: use ``reader()`` for reads that must agree with each other.
        Elsewhere it is ``reader()``."""
        async with self.one_statement_sessionmaker() as session:
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
