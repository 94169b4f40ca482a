"""The reporting listener on a real SQLite database: rows stored by any code path become
reporting events and aggregates in the same transaction; survey rules hold at flush."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.reporting import listeners
from bot.reporting.models import ReportingConversation, ReportingEvent
from bot.reporting.queries import figures, period
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import (
    Callback,
    Conversation,
    ConversationEvent,
    Message,
    OfferEvent,
    SuggestionEvent,
    User,
)


def reporting_db(url: str) -> Database:
    """A database whose sessions carry the reporting listener, as reporting's setup gives
    the hub's (the store alone knows nothing of reporting)."""
    db = Database(url)
    listeners.install(db)
    return db


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _scenario(db: Database) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    async with db.session() as s:
        linh = User(username="linh", display_name="Linh", role="agent", password_hash="x")
        minh = User(username="minh", display_name="Minh", role="agent", password_hash="x")
        s.add_all([linh, minh])
        conv = Conversation(channel="web", channel_key="v1", language="vi", state="bot")
        s.add(conv)
        await s.commit()

        def move(frm: str, to: str, actor: str) -> None:
            s.add(
                ConversationEvent(
                    conversation_id=conv.id, kind="state", from_state=frm, to_state=to, actor=actor
                )
            )
            conv.state = to

        s.add(
            Message(
                conversation_id=conv.id,
                seq=1,
                direction="in",
                sender="customer",
                channel="web",
                text="help",
                created_at=now - timedelta(seconds=100),
            )
        )
        await s.commit()
        conv.handoff_reason = "fallback"
        conv.context = {"intents": ["greet", "check_due_date", "request_human"]}
        move("bot", "waiting", "bot")
        await s.commit()
        move("waiting", "assigned", "router")  # offered to Linh, never acknowledged
        conv.assigned_to = linh.id
        await s.commit()
        move("assigned", "waiting", "router")  # requeued
        await s.commit()
        move("waiting", "assigned", "minh")  # Minh claims
        conv.assigned_to = minh.id
        conv.agent_joined_at = datetime.now(timezone.utc)
        await s.commit()
        s.add(
            Message(
                conversation_id=conv.id,
                seq=2,
                direction="out",
                sender="agent",
                agent_id=minh.id,
                channel="web",
                text="hi",
            )
        )
        s.add(
            SuggestionEvent(conversation_id=conv.id, entry_id="e1", event="shown", agent_id=minh.id)
        )
        s.add(
            SuggestionEvent(
                conversation_id=conv.id, entry_id="e1", event="sent_edited", agent_id=minh.id
            )
        )
        s.add(
            OfferEvent(
                conversation_id=conv.id,
                rule_id="r",
                offer_id="o",
                outcome="accepted",
                agent_id=minh.id,
            )
        )
        cb = Callback(
            conversation_id=conv.id,
            phone="0901234567",
            owner_id=minh.id,
            window_start=now,
            window_end=now + timedelta(hours=1),
        )
        late = Callback(
            conversation_id=conv.id,
            phone="0901234567",
            owner_id=minh.id,
            window_start=now - timedelta(hours=2),
            window_end=now - timedelta(hours=1),
        )
        s.add_all([cb, late])
        await s.commit()
        s.add(ConversationEvent(conversation_id=conv.id, kind="transfer", actor="minh"))
        move("assigned", "assigned", "minh")
        conv.assigned_to = linh.id
        await s.commit()
        cb.status = "done"
        late.status, late.escalated_at = "missed", now
        move("assigned", "resolved", "linh")
        conv.resolved_at = datetime.now(timezone.utc)
        await s.commit()
        conv.csat = 4
        await s.commit()
        conv.csat = 1  # a second answer
        await s.commit()
        conv_id, linh_id, minh_id = conv.id, linh.id, minh.id
    async with db.session() as s:
        stored = await s.get(Conversation, conv_id)
        row = await s.get(ReportingConversation, conv_id)
        result = {
            "csat": stored.csat,
            "facts": row,
            "all": (await figures(s, period("7d")))[""],
            "agents": await figures(s, period("7d"), "agent"),
            "reasons": await figures(s, period("7d"), "reason"),
            "intents": await figures(s, period("7d"), "intent"),
            "events": await s.scalar(select(func.count()).select_from(ReportingEvent)),
            "linh": str(linh_id),
            "minh": str(minh_id),
        }
    return result


def test_listener_turns_stored_rows_into_figures(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    db = reporting_db(url)
    try:
        out = run(_scenario(db))
    finally:
        run(db.dispose())
    fig = out["all"]
    assert out["csat"] == 4  # the first answer stands
    assert fig["conversations"] == 1 and fig["handoffs"] == 1
    assert fig["requeues"] == 1 and fig["transfers"] == 1 and fig["claims"] == 1
    assert fig["first_responses"] == 1 and fig["resolved"] == 1
    assert fig["csat_responses"] == 1 and fig["csat_mean"] == 4.0
    assert (fig["callbacks_scheduled"], fig["callbacks_kept"], fig["callbacks_overdue"]) == (
        2,
        1,
        1,
    )
    assert fig["suggestion_use_rate"] == 1.0 and fig["offer_acceptance"] == 1.0
    assert fig["abandoned"] == 0  # a call-back was booked and an agent joined
    # The requeue counts against Linh, who did not acknowledge; the transfer against Minh,
    # who held it; the resolution and rating go to Linh, who had it at the end.
    linh, minh = out["agents"][out["linh"]], out["agents"][out["minh"]]
    assert linh["requeues"] == 1 and minh["transfers"] == 1
    assert minh["first_responses"] == 1 and linh["csat_mean"] == 4.0
    assert list(out["reasons"]) == ["fallback"]
    assert list(out["intents"]) == ["check_due_date"]
    assert out["intents"]["check_due_date"]["csat_mean"] == 4.0
    assert out["facts"].state == "resolved" and out["facts"].agent_id == int(out["linh"])
    assert out["events"] >= 15


async def _late_answer(db: Database) -> tuple[int | None, int | None]:
    async with db.session() as s:
        conv = Conversation(
            channel="web",
            channel_key="v2",
            state="resolved",
            resolved_at=datetime.now(timezone.utc) - timedelta(days=3),
        )
        s.add(conv)
        await s.commit()
        conv.csat = 5  # three days late: outside the window
        conv.nps = 9
        await s.commit()
        return conv.csat, conv.nps


def test_answers_after_the_window_are_not_taken(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    db = reporting_db(url)
    try:
        assert run(_late_answer(db)) == (None, None)
    finally:
        run(db.dispose())


async def _silence(db: Database) -> dict[str, Any]:
    from types import SimpleNamespace

    from bot.reporting.surveys import sweep_idle

    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    async with db.session() as s:
        waiting = Conversation(channel="web", channel_key="w", state="bot")
        chatting = Conversation(channel="web", channel_key="b", state="bot")
        s.add_all([waiting, chatting])
        await s.commit()
        for conv in (waiting, chatting):
            s.add(
                Message(
                    conversation_id=conv.id,
                    seq=1,
                    direction="in",
                    sender="customer",
                    channel="web",
                    text="hello",
                    created_at=long_ago,
                )
            )
        s.add(
            ConversationEvent(
                conversation_id=waiting.id,
                kind="state",
                from_state="bot",
                to_state="waiting",
                actor="bot",
                created_at=long_ago,
            )
        )
        waiting.state = "waiting"
        await s.commit()
    hub = SimpleNamespace(db=db)
    first = await sweep_idle(hub)  # type: ignore[arg-type]
    again = await sweep_idle(hub)  # type: ignore[arg-type]
    async with db.session() as s:
        fig = (await figures(s, period("7d")))[""]
    return {"first": first, "again": again, "fig": fig}


def test_sweep_counts_silence_as_abandonment_or_containment_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    db = reporting_db(url)
    try:
        out = run(_silence(db))
    finally:
        run(db.dispose())
    assert (out["first"], out["again"]) == (2, 0)
    fig = out["fig"]
    assert fig["abandoned"] == 1 and fig["handoffs"] == 1 and fig["abandonment_rate"] == 1.0
    assert fig["contained"] == 1 and fig["containment_rate"] == 0.5


def test_backfill_counts_history_stored_before_reporting_once(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, insert

    from bot.reporting.backfill import backfill

    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    engine = create_engine(url)
    t0 = datetime.now(timezone.utc) - timedelta(days=2)
    with engine.begin() as conn:  # Core inserts: the listener never sees these rows
        conn.execute(
            insert(User.__table__),
            [
                {
                    "id": 7,
                    "username": "linh",
                    "display_name": "Linh",
                    "role": "agent",
                    "password_hash": "x",
                }
            ],
        )
        conn.execute(
            insert(Conversation.__table__),
            [
                {
                    "id": 1,
                    "channel": "web",
                    "channel_key": "k",
                    "language": "vi",
                    "state": "resolved",
                    "priority": 0,
                    "team": "cards",
                    "assigned_to": 7,
                    "handoff_reason": "fallback",
                    "context": {},
                    "transfer_count": 0,
                    "rasa_episode": 0,
                    "csat": 5,
                    "nps": 9,
                    "created_at": t0,
                    "agent_joined_at": t0 + timedelta(seconds=70),
                    "resolved_at": t0 + timedelta(seconds=400),
                    "next_seq": 3,
                }
            ],
        )
        conn.execute(
            insert(Message.__table__),
            [
                {
                    "conversation_id": 1,
                    "seq": 1,
                    "direction": "in",
                    "sender": "customer",
                    "channel": "web",
                    "text": "hi",
                    "payload": {},
                    "created_at": t0,
                },
                {
                    "conversation_id": 1,
                    "seq": 2,
                    "direction": "out",
                    "sender": "agent",
                    "agent_id": 7,
                    "channel": "web",
                    "text": "hello",
                    "payload": {},
                    "created_at": t0 + timedelta(seconds=100),
                },
            ],
        )
        conn.execute(
            insert(ConversationEvent.__table__),
            [
                {
                    "conversation_id": 1,
                    "kind": "state",
                    "from_state": "bot",
                    "to_state": "waiting",
                    "actor": "bot",
                    "data": {},
                    "created_at": t0 + timedelta(seconds=10),
                },
                {
                    "conversation_id": 1,
                    "kind": "state",
                    "from_state": "waiting",
                    "to_state": "assigned",
                    "actor": "linh",
                    "data": {},
                    "created_at": t0 + timedelta(seconds=70),
                },
                {
                    "conversation_id": 1,
                    "kind": "state",
                    "from_state": "assigned",
                    "to_state": "resolved",
                    "actor": "linh",
                    "data": {},
                    "created_at": t0 + timedelta(seconds=400),
                },
            ],
        )
        conn.execute(
            insert(SuggestionEvent.__table__),
            [
                {
                    "conversation_id": 1,
                    "entry_id": "e",
                    "rank": 0,
                    "event": "shown",
                    "agent_id": 7,
                    "created_at": t0,
                }
            ],
        )
        first = backfill(conn)
        again = backfill(conn)
    engine.dispose()
    assert first == {"conversations": 1, "callbacks": 0, "suggestions": 1, "offers": 0}
    assert again == {"conversations": 0, "callbacks": 0, "suggestions": 0, "offers": 0}

    async def read() -> dict[str, Any]:
        db = Database(url)
        try:
            async with db.session() as s:
                return {
                    "all": (await figures(s, period("7d")))[""],
                    "agents": await figures(s, period("7d"), "agent"),
                }
        finally:
            await db.dispose()

    out = run(read())
    fig = out["all"]
    assert fig["handoffs"] == 1 and fig["first_response_s_mean"] == 90.0
    assert fig["queue_wait_s_mean"] == 60.0 and fig["handling_s_mean"] == 330.0
    assert fig["csat_mean"] == 5.0 and fig["nps"] == 100 and fig["suggestions_shown"] == 1
    assert out["agents"]["7"]["csat_mean"] == 5.0
