"""Reader sessions on SQLite: a snapshot read that never queues behind a writer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.store.db import Database


def test_reader_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, int, int]:
        db = Database(f"sqlite:///{tmp_path / 'hub.db'}")
        try:
            async with db.session() as session:
                await session.execute(text("CREATE TABLE notes (body TEXT)"))
                await session.execute(text("INSERT INTO notes VALUES ('first')"))
                await session.commit()
            writer = db.sessionmaker()
            # An open write transaction: BEGIN IMMEDIATE holds SQLite's one write lock.
            await writer.execute(text("INSERT INTO notes VALUES ('second')"))
            async with db.reader() as reader:
                # A second writer would wait here for the lock (busy_timeout, then fail);
                # the reader gets the last committed snapshot at once.
                during = (await reader.execute(text("SELECT count(*) FROM notes"))).scalar_one()
                await reader.commit()
            await writer.commit()
            await writer.close()
            async with db.reader() as reader:
                after = (await reader.execute(text("SELECT count(*) FROM notes"))).scalar_one()
            async with db.session() as session:
                await session.execute(text("INSERT INTO notes VALUES ('third')"))
                await session.commit()
                written = (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one()
            return during, after, written
        finally:
            await db.dispose()

    assert asyncio.run(scenario()) == (1, 2, 3)
