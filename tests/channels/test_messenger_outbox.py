"""Messenger's outbound failures through the hub's real outbox, with a fake clock: a rate
limit is retried once its wait is over (never dropped, never retried early), and a
window refusal from the platform is marked failed at once and reported, not retried."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.messenger import RATE_RETRY_S, MessengerChannel
from bot.config.settings import Settings
from bot.pipeline.intake import Inbound
from bot.service import Hub
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Conversation, ConversationEvent, OutboxEntry
from tests.channels.fake_platforms import GRAPH_PAGE_TOKEN, FakeGraphApi


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    server = FakeGraphApi().start()
    yield server
    server.stop()


async def _scenario(url: str, graph: FakeGraphApi) -> None:
    await asyncio.to_thread(upgrade, url)
    settings = Settings(
        database_url=url,
        messenger_page_token=GRAPH_PAGE_TOKEN,
        messenger_graph_base=graph.base_url,
    )
    hub = Hub(settings, Database(url))
    channel = MessengerChannel(hub, hub)
    hub.deliverers["messenger"] = channel.deliver
    now = datetime.now(timezone.utc)
    hub.outbox.clock = lambda: now
    try:
        stored = await hub.receive(Inbound("messenger", "psid-1", "Xin chào", "m_in_1"))

        async def reply(text: str) -> int:
            async with hub.db.session() as session:
                conv = await session.get(Conversation, stored.conversation_id)
                assert conv is not None
                out = await hub.send(session, conv, "bot", text)
                await session.commit()
            return int(out["id"])

        # Rate limited: kept pending until the wait is over, then delivered once.
        with graph.lock:
            graph.fail_error = {"message": "Calls to this api have exceeded", "code": 613}
            graph.fail_count = 1
        await reply("Chào anh")
        assert await hub.outbox.deliver_due() == 1
        async with hub.db.session() as session:
            row = await session.scalar(select(OutboxEntry))
            assert row is not None and row.status == "pending" and row.not_before is not None
            assert row.not_before.replace(tzinfo=timezone.utc) == now + timedelta(
                seconds=RATE_RETRY_S
            )
        assert await hub.outbox.deliver_due() == 0  # not before its time
        assert graph.calls("psid-1") == []
        hub.outbox.clock = lambda: now + timedelta(seconds=RATE_RETRY_S + 1)
        assert await hub.outbox.deliver_due() == 1
        assert [c["message"]["text"] for c in graph.calls("psid-1")] == ["Chào anh"]

        # Refused by the platform (outside the window): failed at once, and reported.
        with graph.lock:
            graph.fail_error = {"message": "outside", "code": 10, "error_subcode": 2018278}
            graph.fail_count = 1
        refused_id = await reply("Anh cần gì thêm không?")
        assert await hub.outbox.deliver_due() == 1
        async with hub.db.session() as session:
            row = await session.scalar(
                select(OutboxEntry).where(OutboxEntry.message_id == refused_id)
            )
            assert row is not None and row.status == "failed" and "2018278" in row.last_error
            event = await session.scalar(
                select(ConversationEvent).where(ConversationEvent.kind == "delivery_refused")
            )
            assert event is not None and event.data["message_id"] == refused_id
        assert len(graph.calls("psid-1")) == 1
    finally:
        await channel.http.aclose()
        await hub.close()
        await hub.db.dispose()


def test_rate_limit_waits_and_refusal_fails_at_once(tmp_path: Path, graph: FakeGraphApi) -> None:
    asyncio.run(_scenario(f"sqlite:///{tmp_path / 'hub.db'}", graph))
