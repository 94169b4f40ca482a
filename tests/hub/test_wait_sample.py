"""The handling times the wait forecast draws from are those of the conversations that
ended last (bot/handoff/waits.py), read through the index migration 0015 adds, on a
migrated SQLite database and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text

from bot.config.settings import Settings
from bot.handoff import waits
from bot.store.db import Database, sync_url
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Conversation

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
INDEX = "ix_conversations_resolved_at"


def chat(key: str, joined_s: float | None, ended_s: float | None) -> Conversation:
    """A conversation the agent joined ``joined_s`` after T0 and resolved at ``ended_s``."""
    return Conversation(
        channel="web",
        channel_key=key,
        state="resolved" if ended_s is not None else "assigned",
        agent_joined_at=T0 + timedelta(seconds=joined_s) if joined_s is not None else None,
        resolved_at=T0 + timedelta(seconds=ended_s) if ended_s is not None else None,
    )


async def _add_in_id_order(db: Database, rows: list[Conversation]) -> list[int]:
    ids = []
    async with db.session() as session:
        for row in rows:  # one flush each: ids follow the list's order
            session.add(row)
            await session.flush()
            ids.append(row.id)
        await session.commit()
    return ids


def test_the_sample_is_the_conversations_that_ended_last_not_the_highest_ids(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'waits.db'}"
    upgrade(url)
    history = [
        chat("long", 0, 1800),  # lowest id, started first, ended last: 1800 s
        chat("b", 600, 660),  # 60 s, ended at 660
        chat("c", 900, 990),  # 90 s, ended at 990
        chat("d", 1000, 1030),  # highest resolved id: 30 s, ended at 1030
        chat("open", 1100, None),  # not ended: no handling time yet
        chat("no-agent", None, 1900),  # resolved without an agent joining
    ]

    async def scenario() -> tuple[list[int], list[float]]:
        db = Database(url)
        try:
            ids = await _add_in_id_order(db, history)
            async with db.session() as session:
                return ids, await waits.recent_handles(session, limit=3)
        finally:
            await db.dispose()

    ids, handles = asyncio.run(scenario())
    assert ids == sorted(ids)  # ids follow the list; the ends do not
    # Most recently ended first: the long chat, then d and c. By id it would have been
    # d, c, b (30, 90, 60 s), leaving the long chat out.
    assert handles == [1800.0, 30.0, 90.0]


def test_the_forecast_measures_the_last_200_to_end_however_long_they_ran(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bound.db'}"
    upgrade(url)
    # Ten long chats start first (low ids) and end after 210 short ones that started
    # later (higher ids) and ended sooner: the kind of history the id order got wrong.
    long = [chat(f"long{i}", 10 * i, 3000 + i) for i in range(10)]
    short = [chat(f"short{i}", 100 + i, 160 + 2 * i) for i in range(210)]

    async def scenario() -> tuple[float, ...]:
        db = Database(url)
        try:
            await _add_in_id_order(db, long + short)
            async with db.session() as session:
                facts = await waits.measured(session, Settings(), T0 + timedelta(hours=1))
            return facts.handle_s
        finally:
            await db.dispose()

    handles = asyncio.run(scenario())
    assert len(handles) == waits.RECENT_CHATS == 200
    # All ten long chats (2,919-3,000 s long), most recent first, then the 190 short chats
    # that ended last: short209 (ended at 578 s, 60 + 209 s long) down to short20.
    assert handles[:10] == tuple(float(3000 - 9 * i) for i in reversed(range(10)))
    assert handles[10:] == tuple(float(60 + i) for i in range(209, 19, -1))


def test_sqlite_reads_the_sample_through_the_end_time_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    query = (
        select(Conversation.agent_joined_at, Conversation.resolved_at)
        .where(Conversation.resolved_at.is_not(None), Conversation.agent_joined_at.is_not(None))
        .order_by(Conversation.resolved_at.desc(), Conversation.id.desc())
        .limit(200)
    )
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    finally:
        engine.dispose()
    assert INDEX in plan


def _indexes(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return {str(ix["name"]) for ix in inspect(conn).get_indexes("conversations")}
    finally:
        engine.dispose()


def _migrates_up_and_down(url: str) -> None:
    upgrade(url)
    assert INDEX in _indexes(url)
    command.downgrade(alembic_config(url), "0014")
    assert INDEX not in _indexes(url)
    upgrade(url)
    assert INDEX in _indexes(url)


def test_the_index_migration_goes_up_and_down_on_sqlite(tmp_path: Path) -> None:
    _migrates_up_and_down(f"sqlite:///{tmp_path / 'migrate.db'}")


@pytest.mark.postgres
def test_the_index_migration_goes_up_and_down_on_postgres(postgres_url: str) -> None:
    _migrates_up_and_down(postgres_url)
