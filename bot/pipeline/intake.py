"""Intake: the one door for customer messages from every channel.

Validate, deduplicate on (channel, channel message id), check the sender's limits
(bot/pipeline/throttle.py and the bound on messages not yet routed), then store the
message and its work item in one transaction, and acknowledge. Routing happens later, in a
worker: intake never waits for the bot, so a slow bot cannot slow down storing messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n.inbound import validate_text
from bot.i18n.language import TOLD, next_language, tells_language
from bot.pipeline.effects import after_commit
from bot.pipeline.outbound import append, thread_topic
from bot.pipeline.throttle import IntakeLimits, RateLimited
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.reporting import survey_answers
from bot.store import states, tables
from bot.store.db import Database
from bot.store.models import Conversation
from bot.store.serialize import MESSAGE_COLUMNS, message_json

log = logging.getLogger(__name__)

# A message refused for a full backlog may be sent again once the bot has read a few: a
# turn takes about a second.
QUEUE_RETRY_S = 5
InboundHook = Callable[[Conversation, dict[str, Any]], Awaitable[None]]

# Every message runs these: built once with their values bound (as bot.pipeline.outbox's),
# not built and keyed anew by SQLAlchemy each time. Where nothing is changed through the
# ORM they are Core statements on the tables: no ORM object or identity-map entry is built
# for a row that is only read once, and no ORM bulk-operation machinery runs for a write.
_messages = tables.messages
_items = tables.work_items
_SEEN = select(*MESSAGE_COLUMNS).where(
    _messages.c.channel == bindparam("channel"),
    _messages.c.channel_message_id == bindparam("channel_message_id"),
)
_THREAD = (Conversation.channel == bindparam("channel")) & (
    Conversation.channel_key == bindparam("channel_key")
)
_LATEST = select(Conversation).where(_THREAD).order_by(Conversation.id.desc()).limit(1)
_LATEST_OPEN = (
    select(Conversation)
    .where(_THREAD, Conversation.state.in_(states.OPEN_STATES))
    .order_by(Conversation.id.desc())
    .limit(1)
)
# Both counts in one statement: the conversation is on the sender's thread, so its pending
# items are among the thread's, counted apart with a CASE.
_conversations = tables.conversations
_PENDING = (
    select(
        func.count(_items.c.id),
        func.sum(case((_items.c.conversation_id == bindparam("conv_id"), 1), else_=0)),
    )
    .select_from(_items.join(_conversations, _conversations.c.id == _items.c.conversation_id))
    .where(
        _items.c.status == "pending",
        _conversations.c.channel == bindparam("channel"),
        _conversations.c.channel_key == bindparam("channel_key"),
    )
)
# The work item of a stored message: nothing reads it back in this transaction.
_NEW_ITEM = insert(_items).values(
    conversation_id=bindparam("conversation_id"),
    message_id=bindparam("message_id"),
    status="pending",
    attempts=0,
    created_at=bindparam("created_at"),
)


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
    # The client's network address (widget; Telegram has none): counted by the intake
    # limits and kept as the conversation's context["address"].
    address: str | None = None


@dataclass
class Accepted:
    conversation_id: int
    message: dict[str, Any]
    duplicate: bool


async def _duplicate(session: AsyncSession, inbound: Inbound) -> Accepted | None:
    """The earlier delivery of this message (same channel and channel message id)."""
    if not inbound.channel_message_id:
        return None
    params = {"channel": inbound.channel, "channel_message_id": inbound.channel_message_id}
    seen = (await session.execute(_SEEN, params)).first()
    return None if seen is None else Accepted(seen.conversation_id, message_json(seen), True)


async def open_conversation(
    session: AsyncSession,
    inbound: Inbound,
    *,
    body: str | None = None,
    survey_hold_s: float = 0.0,
) -> Conversation:
    """The customer's open conversation on this channel thread, or a new one.

    A satisfaction score belongs to the conversation just resolved, not to a new one; so
    does any text typed while that conversation's survey question holds the thread (the
    survey is a mode: bot.reporting.surveys).
    """
    thread = {"channel": inbound.channel, "channel_key": inbound.channel_key}
    latest = await session.scalar(_LATEST, thread)
    if latest is not None and latest.state == states.RESOLVED:
        if body is not None and survey_answers.button_answer(body) is not None:
            return latest
        if await survey_answers.open_question(session, latest, survey_hold_s) is not None:
            return latest
    if latest is not None and latest.state in states.OPEN_STATES:
        # The thread's newest conversation is open: it is the open one the query below
        # would find (the newest open), read once instead of twice for every message.
        conv: Conversation | None = latest
    else:
        conv = await session.scalar(_LATEST_OPEN, thread)
    if conv is None:
        conv = Conversation(
            channel=inbound.channel,
            channel_key=inbound.channel_key,
            # The customer comes only from this message's verified identity (or, later, an
            # agent's explicit link); never from an earlier conversation on the thread.
            customer_id=inbound.customer_id,
            language=inbound.language or (latest.language if latest else "vi"),
            state=states.BOT,
            # A language the conversation before it knew is known here too.
            context={TOLD: True} if latest and (latest.context or {}).get(TOLD) else {},
            next_seq=1,
            priority=0,
            team="cards",
            transfer_count=0,
            rasa_episode=0,
        )
        session.add(conv)
        await session.flush()
    if inbound.customer_id and conv.customer_id in (None, inbound.customer_id):
        # The site signed for this customer: the one proof the bot may treat as a sign-in
        # (bot.access.customer_link), stronger than a check in chat for the same customer.
        conv.customer_id, conv.customer_verified_by = inbound.customer_id, "signed"
    return conv


class Intake:
    def __init__(
        self,
        db: Database,
        broker: Broker,
        max_chars: int,
        on_stored: Callable[[], None],
        *,
        limits: IntakeLimits | None = None,
        max_pending_per_conversation: int = 0,
        max_pending_per_visitor: int = 0,
        survey_hold_s: float = 0.0,
    ) -> None:
        self.db = db
        self.broker = broker
        self.max_chars = max_chars
        self.limits = limits
        self.max_pending_per_conversation = max_pending_per_conversation  # 0: no bound
        self.max_pending_per_visitor = max_pending_per_visitor
        self.survey_hold_s = survey_hold_s  # see bot.reporting.survey_answers.open_question
        self.on_stored = on_stored  # wakes the workers
        self.hooks: list[InboundHook] = []
        self._background: set[asyncio.Task[None]] = set()

    async def receive(self, inbound: Inbound) -> Accepted:
        """Store one message, or raise InvalidMessage / RateLimited (nothing stored)."""
        body = validate_text(inbound.text, self.max_chars)
        # A resent message that was already accepted is answered as a duplicate, never
        # refused: its sender must not think it was lost.
        seen = await self._seen(inbound)
        if seen is not None:
            return seen
        if self.limits is not None:
            # Outside any transaction: in a cluster the counters live in Redis.
            await self.limits.check(
                f"{inbound.channel}:{inbound.channel_key}", inbound.address, body
            )
        for attempt in range(3):
            try:
                return await self._store(inbound, body, recheck=attempt > 0)
            except IntegrityError:
                # Two deliveries of one message raced (PostgreSQL): the loser reads the
                # winner's row as a duplicate on the next pass.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _seen(self, inbound: Inbound) -> Accepted | None:
        if not inbound.channel_message_id:
            return None
        async with self.db.read_one() as session:
            return await _duplicate(session, inbound)

    async def _pending_bound(self, session: AsyncSession, inbound: Inbound, conv_id: int) -> None:
        """Refuse a message when its conversation, or its sender's threads, already hold
        this many messages not yet routed (a backlog piled up faster than the bot reads)."""
        if not (self.max_pending_per_conversation or self.max_pending_per_visitor):
            return
        row = (
            await session.execute(
                _PENDING,
                {
                    "conv_id": conv_id,
                    "channel": inbound.channel,
                    "channel_key": inbound.channel_key,
                },
            )
        ).one()
        visitor, conversation = int(row[0] or 0), int(row[1] or 0)
        if self.max_pending_per_conversation and conversation >= self.max_pending_per_conversation:
            raise RateLimited("conversation_queue", QUEUE_RETRY_S)
        if self.max_pending_per_visitor and visitor >= self.max_pending_per_visitor:
            raise RateLimited("visitor_queue", QUEUE_RETRY_S)

    async def _store(self, inbound: Inbound, body: str, *, recheck: bool) -> Accepted:
        """Store the message and its work item. ``_seen`` looked for an earlier delivery
        just before; a delivery of the same message stored since (two deliveries racing)
        fails this one's insert on ``uq_channel_msg``, and ``receive``'s next attempt
        (``recheck``) reads it as the duplicate. The first attempt does not look again:
        that was a statement for every message, for a race."""
        async with self.db.session() as session:
            if recheck:
                seen = await _duplicate(session, inbound)
                if seen is not None:
                    return seen
            conv = await open_conversation(
                session, inbound, body=body, survey_hold_s=self.survey_hold_s
            )
            # Raised inside the transaction: leaving it rolls back a conversation just opened.
            try:
                await self._pending_bound(session, inbound, conv.id)
            except RateLimited:
                # A resent message is answered as a duplicate, never refused, even when its
                # first delivery filled the backlog in the moment since ``_seen``.
                seen = None if recheck else await _duplicate(session, inbound)
                if seen is not None:
                    return seen
                raise
            if inbound.address and (conv.context or {}).get("address") != inbound.address:
                # A new dict: the JSON column notices reassignment, not mutation.
                conv.context = {**(conv.context or {}), "address": inbound.address}
            # The language changes only on clear evidence (bot/i18n/language.py).
            language = next_language(conv.language, body)
            if language:
                conv.language = language
            if not (conv.context or {}).get(TOLD) and (inbound.language or tells_language(body)):
                conv.context = {**(conv.context or {}), TOLD: True}
            msg = await append(
                session,
                conv,
                "in",
                "customer",
                body,
                channel_message_id=inbound.channel_message_id,
                payload={"attachment": inbound.attachment} if inbound.attachment else None,
            )
            await session.execute(
                _NEW_ITEM,
                {"conversation_id": conv.id, "message_id": msg.id, "created_at": msg.created_at},
            )
            out = message_json(msg)
            topic = thread_topic(conv.channel, conv.channel_key)
            state = conv.state

            def announce() -> None:
                events.publish(self.broker, topic, events.message_frame(out))
                events.publish_conversation_event(
                    self.broker,
                    conv.id,
                    events.message_frame(out),
                    agents_frame=events.queued_message_frame(out, state),
                )
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
