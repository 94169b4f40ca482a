"""A customer handed off is told their place once, after the hand-off's commit, from a
forecast read on the reader (never under the write lock); if the hub dies before telling,
the scheduler keeps the promise after a grace (bot/handoff/places.py, scheduler.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config.settings import Settings
from bot.core import Core
from bot.handoff import dispatch, places, queue, scheduler, waits
from bot.pipeline.outbound import Outbound
from bot.realtime.broker import Broker
from bot.store import states
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Conversation, Message, User
from bot.store.times import utc_now

Scenario = Callable[[Core, int, int], Awaitable[None]]


async def _seed(db: Database) -> tuple[int, int]:
    """An agent online at her capacity of one (so the new customer waits and is told a
    wait), and a bot conversation with one customer message; returns their ids."""
    now = utc_now()
    async with db.session() as session:
        agent = User(
            username="linh",
            display_name="Linh",
            role="agent",
            password_hash="-",
            online=True,
            last_seen_at=now,
            capacity=1,
        )
        session.add(agent)
        await session.flush()
        busy = Conversation(
            channel="web",
            channel_key="busy",
            state=states.ASSIGNED,
            assigned_to=agent.id,
            assigned_at=now,
            acknowledged_at=now,
        )
        conv = Conversation(
            channel="web", channel_key="new", state=states.BOT, language="vi", next_seq=2
        )
        session.add_all([busy, conv])
        await session.flush()
        msg = Message(
            conversation_id=conv.id,
            seq=1,
            direction="in",
            sender="customer",
            channel="web",
            text="cho tôi gặp nhân viên",
        )
        session.add(msg)
        await session.commit()
        return conv.id, msg.id


def _run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: Scenario
) -> tuple[list[str], int]:
    """Run ``scenario`` on a migrated SQLite hub core with the conversation handed off and
    committed; returns the system messages sent, each checked to answer the message that
    was handed off, and how many forecasts ran, each checked to have read through the
    reader engine (none inside a write transaction)."""
    url = f"sqlite:///{tmp_path / 'told.db'}"
    upgrade(url)
    engines: list[Any] = []
    forecast = waits.estimates

    async def watched(session: Any, settings: Any, convs: Any = None) -> Any:
        engines.append(session.bind)
        return await forecast(session, settings, convs)

    monkeypatch.setattr(waits, "estimates", watched)

    async def main() -> tuple[list[str], int]:
        db = Database(url)
        broker = Broker()
        core = Core(Settings(_env_file=None), db, broker, Outbound(broker, lambda: None))
        try:
            conv_id, msg_id = await _seed(db)
            async with db.session() as session:
                conv = await queue.load(session, conv_id, lock=True)
                packet = {"reason": "customer_request"}
                await queue.hand_off(core, session, conv, packet, reply_to=msg_id)
            await scenario(core, conv_id, msg_id)
            async with db.session() as session:
                rows = (
                    await session.scalars(
                        select(Message)
                        .where(Message.conversation_id == conv_id, Message.sender == "system")
                        .order_by(Message.seq)
                    )
                ).all()
                conv = await session.get(Conversation, conv_id)
                assert conv is not None and places.position_due(conv) is None
                assert [m.reply_to for m in rows] == [msg_id] * len(rows)
                assert all(engine is db.read_engine for engine in engines)
                return [m.text for m in rows], len(engines)
        finally:
            await db.dispose()

    return asyncio.run(main())


def test_the_caller_tells_the_place_once_after_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def caller_then_scheduler(core: Core, conv_id: int, msg_id: int) -> None:
        async with core.db.reader() as session:
            conv = await session.get(Conversation, conv_id)
            assert conv is not None and conv.state == states.WAITING
            # Committed with the move: the promise, and nothing told yet.
            due = places.position_due(conv)
            assert due is not None and due["first"] is True and due["reply_to"] == msg_id
            told = await session.scalar(
                select(Message.id).where(
                    Message.conversation_id == conv_id, Message.sender == "system"
                )
            )
            assert told is None
        async with core.db.reader() as session:
            conv = await session.get(Conversation, conv_id)
            assert conv is not None
        await places.settle_hand_off(core, conv)
        # Just told: the scheduler has nothing to add.
        assert await scheduler.update_waiting_customers(core) == 0

    sent, forecasts = _run(tmp_path, monkeypatch, caller_then_scheduler)
    assert forecasts >= 2  # the caller's, and the scheduler's look
    # The first telling's words, place 1 with a wait; nothing else (a wait was known, so no
    # call-back offer).
    assert len(sent) == 1 and sent[0].startswith("Bạn đang ở vị trí 1 trong hàng chờ"), sent


def test_a_promise_the_hub_died_before_keeping_is_kept_by_the_scheduler_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash_then_scheduler(core: Core, conv_id: int, msg_id: int) -> None:
        # The hub died after the hand-off's commit: nobody called settle_hand_off. Within
        # the grace the scheduler leaves the promise to the caller.
        assert await scheduler.update_waiting_customers(core) == 0
        async with core.db.session() as session:
            conv = await session.get(Conversation, conv_id)
            assert conv is not None
            due = dict(places.position_due(conv) or {})
            since = datetime.fromisoformat(due["since"]) - scheduler.PROMISE_GRACE
            due["since"] = (since - timedelta(seconds=1)).isoformat()
            conv.context = {**(conv.context or {}), places.POSITION_DUE: due}
            await session.commit()
        assert await scheduler.update_waiting_customers(core) == 1
        # A late caller (the hub's restart re-driving nothing, or a slow one) finds it kept.
        assert await places.tell_due_position(core, conv_id) == []
        assert await scheduler.update_waiting_customers(core) == 0

    sent, forecasts = _run(tmp_path, monkeypatch, crash_then_scheduler)
    assert forecasts >= 1
    # Once, in the first telling's words, as a reply to the message that was handed off.
    assert len(sent) == 1 and sent[0].startswith("Bạn đang ở vị trí 1 trong hàng chờ"), sent


def test_a_customer_offered_before_being_told_is_told_they_are_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def offered_then_caller(core: Core, conv_id: int, msg_id: int) -> None:
        # The scheduler's offers run every second: one can reach the customer between the
        # hand-off's commit and the telling (a slot opened up meanwhile).
        async with core.db.session() as session:
            agent = await session.scalar(select(User).where(User.username == "linh"))
            assert agent is not None
            agent.capacity = 2
            await session.commit()
        async with core.db.session() as session:
            assert await dispatch.auto_assign(core, session) == 1
            await session.commit()
        async with core.db.reader() as session:
            conv = await session.get(Conversation, conv_id)
            assert conv is not None and places.offered(conv)
        await places.settle_hand_off(core, conv)
        await places.settle_hand_off(core, conv)  # a second call finds the promise kept

    sent, _ = _run(tmp_path, monkeypatch, offered_then_caller)
    assert len(sent) == 1 and sent[0].startswith("Bạn đang ở vị trí 1 trong hàng chờ"), sent
