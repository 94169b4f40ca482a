"""The one switch between SQLite's and PostgreSQL's ``INSERT ... ON CONFLICT``.

SQLAlchemy builds an upsert only from a dialect's own ``insert`` (the one with
``on_conflict_do_update``, ``on_conflict_do_nothing`` and ``excluded``), and the hub runs
on both databases, so every upsert asks here for the ``insert`` its connection speaks.

Usage:
    stmt = insert_in(session)(Table).values(...).on_conflict_do_nothing()
    stmt = insert_for(db.engine.dialect.name)(Table).values(...).on_conflict_do_update(...)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Insert = sqlite.Insert | postgresql.Insert
_INSERTS: dict[str, Callable[[Any], Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def insert_for(dialect_name: str) -> Callable[[Any], Insert]:
    """The ``insert`` of the named dialect (``Engine.dialect.name``)."""
    try:
        return _INSERTS[dialect_name]
    except KeyError:  # an upsert is dialect SQL: fail loudly rather than guess
        raise ValueError(f"no upsert for the {dialect_name!r} dialect") from None


def insert_in(session: AsyncSession) -> Callable[[Any], Insert]:
    """The ``insert`` of the database ``session`` is bound to."""
    return insert_for(session.get_bind().dialect.name)
