"""SQLite for the async engine with one trip to the connection's thread per statement.

aiosqlite runs each connection's sqlite3 calls on a thread of its own, and SQLAlchemy's
adapter for it makes one trip there for every DBAPI call: open a cursor, execute, fetch
the rows, close the cursor. Each trip is a future, a queue hand-off, a wake-up of the event
loop and two greenlet switches: about 40 us of CPU on this machine against 9 us for the
statement itself, and the hub runs some 75 statements a customer message (begins and
commits included). Measured (bench/cpu_profile.py, 2026-12-06): a prepared select through
the stock adapter cost 360 us of CPU, through this one about 120 us.

This adapter runs the whole statement (cursor, execute, every row, description, rowcount,
last row id) in ONE trip and hands the results back, as the stock adapter does for the
rows already: the statements, their order, their transactions and their errors are the
same; only the number of hand-offs changes. Server-side cursors (``stream``) keep the
stock adapter's cursor. Passed to the engine as its DBAPI module
(``create_async_engine(..., module=dbapi())``), so the URL and dialect stay
``sqlite+aiosqlite``.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})  # what bot.store.db's begin listener sends
_Done = tuple[Any, int, int | None, list[Any] | None]  # description, rowcount, lastrowid, rows


def _run(
    conn: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Done:
    """One statement on the connection's own thread, start to end, after the transaction's
    BEGIN when it is the transaction's first."""
    if begin is not None:
        conn.execute(begin)
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        # The rows first: with RETURNING, sqlite3 counts the rows only once they are read.
        rows = cursor.fetchall() if description else None
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose results came back with the statement."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")
    _awaitable_cursor_close = False  # there is no driver cursor left to close

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No trip to open a driver cursor: the statement opens and closes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if operation in _BEGINS and not parameters:
            # Sent with the transaction's first statement, in its trip (``_run``): the
            # write lock is still taken before anything of the transaction runs.
            self._adapt_connection._pending_begin = operation  # type: ignore[attr-defined]
            self._description, self._rowcount, self._lastrowid = None, -1, None
            self._rows = collections.deque()
            return None
        try:
            return await_(self._trip(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._trip(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            begin, adapted._pending_begin = adapted._pending_begin, None
            # aiosqlite's queue to the connection's thread (``Connection._execute``, which
            # SQLAlchemy's adapter also reaches past the public API for): it raises
            # "Connection closed" itself, and the driver's errors come back as raised.
            done = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, begin, operation, parameters, many
            )
        self._description, self._rowcount, self._lastrowid, rows = done
        self._rows = collections.deque(rows) if rows is not None else collections.deque()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    # A BEGIN not sent yet: it goes with the transaction's first statement. A transaction
    # that ends before any statement never reaches SQLite (BEGIN then COMMIT or ROLLBACK
    # with nothing between changes nothing).
    __slots__ = ("_pending_begin",)
    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # mypy: a subclass, not invariant

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None

    def _idle(self) -> bool:
        """True when the driver connection has no transaction open. sqlite3's own commit()
        and rollback() do nothing then; the pool rolls back every connection it takes
        back, most of them already committed or rolled back by their session, so this
        saves a trip for nothing at every session's end. (A flag of SQLite's, read
        without the connection's thread: no statement runs on a connection between its
        uses, and its statements run under ``_execute_mutex``.)"""
        conn: sqlite3.Connection | None = self._connection._connection
        return conn is not None and not conn.in_transaction

    def rollback(self) -> None:
        self._pending_begin = None
        if not self._idle():
            super().rollback()

    def commit(self) -> None:
        self._pending_begin = None
        if not self._idle():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, handing out ``OneTripConnection``s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        creator_fn = kw.pop("async_creator_fn", None)
        if creator_fn:
            connection = creator_fn(*arg, **kw)
        else:
            connection = self.aiosqlite.connect(*arg, **kw)
            # As SQLAlchemy's own shim: the connection's thread never holds the exit up.
            connection._thread.daemon = True
        return OneTripConnection(self, await_(connection))


def dbapi() -> OneTripDBAPI:
    """The module to pass as ``create_async_engine(..., module=...)`` for SQLite."""
    return OneTripDBAPI(aiosqlite, sqlite3)
