"""The reply windows with a fake clock: Zalo's 48 hours / 8 free replies, Messenger's 24
hours and the HUMAN_AGENT tag's 7 days; and the window read from a real database (the
customer's last message on the thread and the replies since, sent or waiting)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.pipeline import windows
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Conversation, Message, OutboxEntry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_zalo_48_hours_and_8_free_replies() -> None:
    fresh = windows.Window(windows.ZALO, T0, replies_since=0)
    assert fresh.verdict("bot", at(0.1)).allowed
    assert fresh.verdict("agent", at(47.9)).allowed
    assert fresh.verdict("agent", at(48.01)).code == "window_closed"
    assert fresh.verdict("bot", at(48.01)).code == "window_closed"
    assert fresh.free_left == 8

    seven = windows.Window(windows.ZALO, T0, replies_since=7)
    assert seven.verdict("agent", at(1)).allowed and seven.free_left == 1
    eight = windows.Window(windows.ZALO, T0, replies_since=8)
    assert eight.verdict("agent", at(1)).code == "reply_limit"
    assert eight.free_left == 0

    never = windows.Window(windows.ZALO, None, replies_since=0)
    assert never.verdict("agent", at(0)).code == "no_customer_message"


def test_zalo_view_for_the_panel() -> None:
    view = windows.Window(windows.ZALO, T0, replies_since=3).as_json(at(46), warn_s=3 * 3600)
    assert view["seconds_left"] == 2 * 3600 and view["free_replies_left"] == 5
    assert view["can_reply"] and view["closing"] and view["agent_tag_needed"] is None
    early = windows.Window(windows.ZALO, T0, replies_since=3).as_json(at(10), warn_s=3 * 3600)
    assert early["closing"] is False
    closed = windows.Window(windows.ZALO, T0, replies_since=0).as_json(at(50), warn_s=3 * 3600)
    assert closed["can_reply"] is False and closed["seconds_left"] == 0
    assert "48 giờ" in closed["explanation"]["vi"] and "48 hours" in closed["explanation"]["en"]


def test_messenger_24_hours_then_7_days_for_a_person_with_the_tag() -> None:
    approved = windows.messenger_rules(human_agent_approved=True)
    window = windows.Window(approved, T0, replies_since=50)  # no reply limit on Messenger
    assert window.verdict("bot", at(23.9)) == windows.Verdict(True)
    assert window.verdict("bot", at(24.1)).code == "agent_only"
    assert window.verdict("system", at(24.1)).code == "agent_only"
    assert window.verdict("bot", at(7 * 24 + 0.1)).code == "window_closed"
    assert window.verdict("agent", at(24.1)) == windows.Verdict(True, tag="HUMAN_AGENT")
    assert window.verdict("agent", at(7 * 24 - 0.1)).tag == "HUMAN_AGENT"
    assert window.verdict("agent", at(7 * 24 + 0.1)).code == "window_closed"
    late = window.verdict("agent", at(7 * 24 + 0.1)).explain(approved)
    assert "7 ngày" in late["vi"] and "7 days" in late["en"]
    view = window.as_json(at(30), warn_s=3 * 3600)
    assert view["can_reply"] and view["agent_tag_needed"] == "HUMAN_AGENT"
    assert view["seconds_left"] == 0 and view["agent_seconds_left"] == (7 * 24 - 30) * 3600

    unapproved = windows.Window(windows.messenger_rules(False), T0, replies_since=0)
    assert unapproved.verdict("agent", at(23)).allowed
    assert unapproved.verdict("agent", at(25)).code == "window_closed"
    assert "24 giờ" in unapproved.verdict("agent", at(25)).explain(unapproved.rules)["vi"]


def test_window_is_read_from_the_stored_thread(tmp_path: Path) -> None:
    asyncio.run(_stored_thread(f"sqlite:///{tmp_path / 'hub.db'}"))


async def _stored_thread(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session() as session:
            old = Conversation(channel="zalo", channel_key="u1", state="resolved", context={})
            conv = Conversation(channel="zalo", channel_key="u1", state="assigned", context={})
            other = Conversation(channel="zalo", channel_key="u2", state="bot", context={})
            session.add_all([old, conv, other])
            await session.flush()
            rows = [
                (old, "in", "customer", at(0), None),
                (old, "out", "bot", at(0.1), "sent"),
                (conv, "in", "customer", at(5), None),  # the thread's last customer message
                (conv, "out", "bot", at(5.1), "sent"),
                (conv, "out", "agent", at(6), "pending"),
                (conv, "out", "agent", at(7), "failed"),
                (other, "in", "customer", at(9), None),
            ]
            for seq, (c, direction, sender, when, status) in enumerate(rows, start=1):
                msg = Message(
                    conversation_id=c.id,
                    seq=seq,
                    direction=direction,
                    sender=sender,
                    channel="zalo",
                    text="x",
                    payload={},
                    created_at=when,
                )
                session.add(msg)
                await session.flush()
                if status is not None:
                    session.add(
                        OutboxEntry(
                            message_id=msg.id,
                            conversation_id=c.id,
                            channel="zalo",
                            status=status,
                            attempts=0,
                            created_at=when,
                        )
                    )
            await session.commit()
        async with db.session() as session:
            stored = await session.get(Conversation, conv.id)
            assert stored is not None
            window = await windows.window_of(session, stored.channel_key, windows.ZALO)
            # Sent and waiting replies count; the refused (failed) one never reached them.
            assert window.last_customer_at == at(5) and window.replies_since == 2
            delivered = await windows.window_of(
                session, stored.channel_key, windows.ZALO, delivered_only=True
            )
            assert delivered.replies_since == 1
            assert window.closes_at == at(53)
    finally:
        await db.dispose()
