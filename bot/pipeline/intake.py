"""Intake: the one door for customer messages from every channel.

Validate, deduplicate on (channel, channel message id), then store the message and its
work item in one transaction, and acknowledge. Routing happens later, in a worker: intake
never waits for the bot, so a slow bot cannot slow down storing messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import states
from bot.language import next_language
from bot.pipeline.effects import after_commit
from bot.pipeline.outbound import append, thread_topic
from bot.realtime import Broker
from bot.serialize import message_json
from bot.store.db import Database
from bot.store.models import Conversation, Message, WorkItem
from bot.text import validate_text

log = logging.getLogger(__name__)

InboundHook = Callable[[Conversation, dict[str, Any]], Awaitable[None]]


@dataclass
class Inbound:
    channel: str
    channel_key: str
    text: Any
    channel_message_id: str | None = None
    customer_id: str | None = None
    language: str | None = None
    # A sticker, photo or voice note: stored for the agent as "[kind]", answered by the hub.
    attachment: str | None = None


@dataclass
class Accepted:
    conversation_id: int
    message: dict[str, Any]
    duplicate: bool


async def open_conversation(
    session: AsyncSession, inbound: Inbound, *, feedback: bool = False
) -> Conversation:
    """The customer's open conversation on this channel thread, or a new one.

    A satisfaction score belongs to the conversation just resolved, not to a new one.
    """
    thread = (Conversation.channel == inbound.channel) & (
        Conversation.channel_key == inbound.channel_key
    )
    latest = await session.scalar(
        select(Conversation).where(thread).order_by(Conversation.id.desc()).limit(1)
    )
    if feedback and latest is not None and latest.state == states.RESOLVED:
        return latest
    conv = await session.scalar(
        select(Conversation)
        .where(thread, Conversation.state.in_(states.OPEN_STATES))
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    if conv is None:
        conv = Conversation(
            channel=inbound.channel,
            channel_key=inbound.channel_key,
            # The customer comes only from this message's verified identity (or, later, an
            # agent's explicit link); never from an earlier conversation on the thread.
            customer_id=inbound.customer_id,
            language=inbound.language or (latest.language if latest else "vi"),
            state=states.BOT,
            context={},
            next_seq=1,
            priority=0,
            team="cards",
            transfer_count=0,
            rasa_episode=0,
        )
        session.add(conv)
        await session.flush()
    if inbound.customer_id and not conv.customer_id:
        conv.customer_id = inbound.customer_id
    return conv


class Intake:
    def __init__(
        self,
        db: Database,
        broker: Broker,
        max_chars: int,
        on_stored: Callable[[], None],
    ) -> None:
        self.db = db
        self.broker = broker
        self.max_chars = max_chars
        self.on_stored = on_stored  # wakes the workers
        self.hooks: list[InboundHook] = []
        self._background: set[asyncio.Task[None]] = set()

    async def receive(self, inbound: Inbound) -> Accepted:
        body = validate_text(inbound.text, self.max_chars)
        for attempt in range(3):
            try:
                return await self._store(inbound, body)
            except IntegrityError:
                # Two deliveries of one message raced (PostgreSQL): the loser reads the
                # winner's row as a duplicate on the next pass.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _store(self, inbound: Inbound, body: str) -> Accepted:
        async with self.db.session() as session:
            if inbound.channel_message_id:
                seen = await session.scalar(
                    select(Message).where(
                        Message.channel == inbound.channel,
                        Message.channel_message_id == inbound.channel_message_id,
                    )
                )
                if seen is not None:
                    return Accepted(seen.conversation_id, message_json(seen), duplicate=True)
            feedback = body.startswith(("/csat ", "/nps "))
            conv = await open_conversation(session, inbound, feedback=feedback)
            # The language changes only on clear evidence (bot/language.py).
            language = next_language(conv.language, body)
            if language:
                conv.language = language
            msg = await append(
                session,
                conv,
                "in",
                "customer",
                body,
                channel_message_id=inbound.channel_message_id,
                payload={"attachment": inbound.attachment} if inbound.attachment else None,
            )
            session.add(
                WorkItem(
                    conversation_id=conv.id,
                    message_id=msg.id,
                    status="pending",
                    attempts=0,
                    created_at=msg.created_at,
                )
            )
            out = message_json(msg)
            topic = thread_topic(conv.channel, conv.channel_key)
            state = conv.state

            def announce() -> None:
                self.broker.publish(f"conv:{conv.id}", {"type": "message", "message": out})
                self.broker.publish(topic, {"type": "message", "message": out})
                self.broker.publish("agents", {"type": "message", "message": out, "state": state})
                self.on_stored()
                for hook in self.hooks:
                    self._spawn(hook(conv, out))

            after_commit(session, announce)
            await session.commit()
        return Accepted(conv.id, out, duplicate=False)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
