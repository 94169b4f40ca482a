"""Under a flood, the customers who are not flooding still get served.

- Claims are fair: a conversation with a backlog does not hold the workers while another
  conversation's single message waits (the claim order, on SQLite and PostgreSQL).
- Search priority: the bot's own answer searches overtake queued suggestion searches, and
  a suggestion search a newer turn replaced, or that waited too long, is dropped.

Both are checked by order, never by time: the worker thread is held on a gate and the
clock is a variable."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.pipeline import leases
from bot.pipeline.intake import Inbound, Intake
from bot.realtime.broker import Broker
from bot.search.queue import ANSWER, DROPPED, SUGGESTION, SearchQueue
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Message, WorkItem


# -- fair claims ---------------------------------------------------------------------------
async def _store(intake: Intake, key: str, text: str) -> int:
    accepted = await intake.receive(Inbound("web", key, text))
    return int(accepted.message["id"])


async def _item(db: Database, message_id: int) -> WorkItem:
    async with db.session() as session:
        item = await session.scalar(select(WorkItem).where(WorkItem.message_id == message_id))
        await session.commit()
    assert item is not None
    return item


async def _finish(db: Database, item_id: int, at: datetime) -> None:
    async with db.session() as session:
        await session.execute(
            update(WorkItem)
            .where(WorkItem.id == item_id)
            .values(status="done", done_at=at, lease_owner=None, lease_until=None)
        )
        await session.commit()


async def _claim_order(db: Database) -> None:
    intake = Intake(db, Broker(), 4000, lambda: None)
    # A flooding visitor's backlog, then one message from an ordinary customer.
    backlog = [await _store(intake, "site:v:flood", f"tin {i}") for i in range(4)]
    customer = await _store(intake, "site:v:customer", "Phí thường niên là bao nhiêu?")
    items = {m: await _item(db, m) for m in [*backlog, customer]}
    created = items[customer].created_at
    later = (created if created.tzinfo else created.replace(tzinfo=timezone.utc)) + timedelta(
        seconds=1
    )
    now = later + timedelta(seconds=10)

    # The flood's first message is the oldest: it goes first, as before.
    first = await leases.claim(db, WorkItem, "w", 30, now, fair=True)
    assert first == [items[backlog[0]].id]
    # It finishes after the customer's message was stored. Its successor is older by id,
    # but ready only now: the customer's message goes next.
    await _finish(db, first[0], later)
    second = await leases.claim(db, WorkItem, "w", 30, now, fair=True)
    assert second == [items[customer].id]
    # Then the backlog goes on, one at a time and in order.
    third = await leases.claim(db, WorkItem, "w", 30, now, fair=True)
    assert third == [items[backlog[1]].id]
    assert await leases.claim(db, WorkItem, "w", 30, now, fair=True) == []
    async with db.session() as session:
        texts = (await session.scalars(select(Message.text).order_by(Message.id))).all()
        await session.commit()
    assert texts[-5:] == ["tin 0", "tin 1", "tin 2", "tin 3", "Phí thường niên là bao nhiêu?"]


async def test_backlog_does_not_delay_another_conversation_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        await _claim_order(db)
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_backlog_does_not_delay_another_conversation_postgres(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    db = Database(postgres_url)
    try:
        await _claim_order(db)
    finally:
        await db.dispose()


# -- search priority -----------------------------------------------------------------------
class Gate:
    """A job that holds the queue's only thread until released."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.started.set()
        assert self.release.wait(60), "the test never released the gate"
        return "gate"


def test_answers_overtake_queued_suggestions_and_stale_ones_are_dropped() -> None:
    queue = SearchQueue(1)
    order: list[str] = []
    gate = Gate()

    def job(name: str) -> str:
        order.append(name)
        return name

    try:
        held = queue.submit(gate)
        assert gate.started.wait(60)
        s1 = queue.submit(job, "s1 conv 1", priority=SUGGESTION, key=1)
        s2 = queue.submit(job, "s2 conv 2", priority=SUGGESTION, key=2)
        a1 = queue.submit(job, "a1 answer", priority=ANSWER)
        s3 = queue.submit(job, "s3 conv 1", priority=SUGGESTION, key=1)  # replaces s1
        a2 = queue.submit(job, "a2 answer", priority=ANSWER)
        gate.release.set()
        results = [f.result(timeout=60) for f in (held, s1, s2, a1, s3, a2)]
    finally:
        queue.close()
    assert results == ["gate", DROPPED, "s2 conv 2", "a1 answer", "s3 conv 1", "a2 answer"]
    assert order == ["a1 answer", "a2 answer", "s2 conv 2", "s3 conv 1"]
    assert queue.dropped == 1


def test_suggestions_that_waited_too_long_are_dropped_answers_never() -> None:
    now = [0.0]
    queue = SearchQueue(1, suggestion_max_age_s=15.0, clock=lambda: now[0])
    gate = Gate()
    try:
        queue.submit(gate)
        assert gate.started.wait(60)
        stale = queue.submit(lambda: "suggestions", priority=SUGGESTION, key=7)
        answer = queue.submit(lambda: "answer", priority=ANSWER)
        now[0] = 16.0  # both waited 16 s behind the gate
        gate.release.set()
        assert answer.result(timeout=60) == "answer"
        assert stale.result(timeout=60) is DROPPED
        fresh = queue.submit(lambda: "suggestions", priority=SUGGESTION, key=7)
        assert fresh.result(timeout=60) == "suggestions"
    finally:
        queue.close()


async def test_a_caller_awaits_the_queue_from_the_event_loop() -> None:
    queue = SearchQueue(2)
    try:
        results = await asyncio.gather(
            queue.run(str.upper, "bot", priority=ANSWER),
            queue.run(str.upper, "panel", priority=SUGGESTION, key=1),
        )
    finally:
        queue.close()
    assert results == ["BOT", "PANEL"]


def test_search_cpu_is_counted_by_kind() -> None:
    """The CPU a search burns is added to its kind's counter (answers and suggestions
    apart), so a benchmark can tell the hub's own cost from the searches it runs."""

    def burn() -> int:
        total = 0
        for i in range(300_000):
            total += i * i
        return total

    queue = SearchQueue(1)
    try:
        assert queue.submit(burn, priority=ANSWER).result(timeout=60) > 0
    finally:
        queue.close()
    assert queue.cpu_s[ANSWER] > 0
    assert queue.cpu_s[SUGGESTION] == 0
