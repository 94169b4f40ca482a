"""Two deliveries of one message (same channel message id) that race past intake's first
look for an earlier one: one is stored, the other is answered as its duplicate, never
stored twice nor refused (bot/pipeline/intake.py). The race is made by order, not time:
intake's look before the write (``_seen``) is told it found nothing, as it would when
both deliveries looked before either stored."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.pipeline.intake import Inbound, Intake
from bot.pipeline.throttle import RateLimited
from bot.realtime.broker import Broker
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Message, WorkItem


def _inbound(text: str, client_id: str) -> Inbound:
    return Inbound("web", "site:v:racer", text, channel_message_id=f"site:v:racer:{client_id}")


async def _missed(self: Intake, inbound: Inbound) -> None:
    return None  # the first look ran before the other delivery stored its row


async def _count(db: Database, model: Any) -> int:
    async with db.session() as session:
        n = await session.scalar(select(func.count()).select_from(model))
        await session.commit()
    return int(n or 0)


async def _racing_deliveries(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    intake = Intake(db, Broker(), 4000, lambda: None)
    first = await intake.receive(_inbound("Phí thường niên là bao nhiêu?", "c1"))
    monkeypatch.setattr(Intake, "_seen", _missed)
    again = await intake.receive(_inbound("Phí thường niên là bao nhiêu?", "c1"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.message == first.message
    assert await _count(db, Message) == 1
    assert await _count(db, WorkItem) == 1


async def _duplicate_when_backlog_is_full(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # The message's first delivery fills its conversation's backlog (one message waiting).
    intake = Intake(db, Broker(), 4000, lambda: None, max_pending_per_conversation=1)
    first = await intake.receive(_inbound("Tôi muốn khóa thẻ", "c1"))
    monkeypatch.setattr(Intake, "_seen", _missed)
    again = await intake.receive(_inbound("Tôi muốn khóa thẻ", "c1"))
    assert again.duplicate and again.message == first.message
    with pytest.raises(RateLimited):  # a new message is refused: the backlog is full
        await intake.receive(_inbound("Còn thẻ phụ thì sao?", "c2"))
    assert await _count(db, Message) == 1


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    yield db
    await db.dispose()


async def test_racing_deliveries_store_one_message_sqlite(sqlite_db: Database, monkeypatch) -> None:
    await _racing_deliveries(sqlite_db, monkeypatch)


async def test_a_resend_is_a_duplicate_even_with_a_full_backlog_sqlite(
    sqlite_db: Database, monkeypatch
) -> None:
    await _duplicate_when_backlog_is_full(sqlite_db, monkeypatch)


@pytest.mark.postgres
async def test_racing_deliveries_store_one_message_postgres(postgres_url: str, monkeypatch) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    db = Database(postgres_url)
    try:
        await _racing_deliveries(db, monkeypatch)
    finally:
        await db.dispose()
