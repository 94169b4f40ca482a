"""Write a message into a conversation: its sequence number, and for outbound messages the
outbox row a sender delivers from. Nothing here commits or talks to the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pipeline.effects import after_commit
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.store import tables
from bot.store.models import Conversation, Message
from bot.store.serialize import message_json
from bot.store.times import utc_now

# Built once (every message runs it): a statement built anew is keyed anew by SQLAlchemy.
# Core statements on the tables: nothing in the session is to be brought in line with them
# (the ORM's bulk-update path cost more CPU than the statement), and the outbox row is
# never read back in the transaction that writes it.
_conversations = tables.conversations
_NEXT_SEQ = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conv_id"))
    .values(next_seq=_conversations.c.next_seq + 1)
    .returning(_conversations.c.next_seq)
)
_NEW_OUTBOX_ROW = insert(tables.outbox).values(
    message_id=bindparam("message_id"),
    conversation_id=bindparam("conversation_id"),
    channel=bindparam("channel"),
    status="pending",
    attempts=0,
    created_at=bindparam("created_at"),
)


def thread_topic(channel: str, channel_key: str) -> str:
    """Topic for the customer's side: it spans every conversation on one channel thread."""
    return events.thread(channel, channel_key)


async def next_seq(session: AsyncSession, conversation_id: int) -> int:
    """Allocate the conversation's next sequence number in the database itself.

    The UPDATE takes the row's write lock until commit (and SQLite's single writer lock),
    so two writers never get the same number; uq_message_seq makes that a database fact.
    """
    # The session's pending changes go first, as before any ORM statement (a Core one
    # does not flush them): the reporting listener sees a conversation's change in the
    # flush before the message's, as it always has. Nothing pending: no statement.
    await session.flush()
    allocated = await session.scalar(_NEXT_SEQ, {"conv_id": conversation_id})
    if allocated is None:
        raise LookupError(f"Conversation {conversation_id} does not exist.")
    return int(allocated) - 1


async def append(
    session: AsyncSession,
    conv: Conversation,
    direction: str,
    sender: str,
    body: str,
    *,
    channel_message_id: str | None = None,
    reply_to: int | None = None,
    payload: dict[str, Any] | None = None,
    agent_id: int | None = None,
) -> Message:
    msg = Message(
        conversation_id=conv.id,
        seq=await next_seq(session, conv.id),
        direction=direction,
        sender=sender,
        channel=conv.channel,
        channel_message_id=channel_message_id,
        reply_to=reply_to,
        text=body,
        payload=payload or {},
        agent_id=agent_id,
        created_at=utc_now(),
    )
    session.add(msg)
    await session.flush()
    return msg


class Outbound:
    """Stores outbound messages with their outbox rows and pushes them to panels after commit."""

    def __init__(self, broker: Broker, wake_sender: Callable[[], None]) -> None:
        self.broker = broker
        self.wake_sender = wake_sender

    async def send(
        self,
        session: AsyncSession,
        conv: Conversation,
        sender: str,
        body: str,
        *,
        reply_to: int | None = None,
        buttons: list[dict[str, str]] | None = None,
        agent_id: int | None = None,
        agent_name: str | None = None,
    ) -> dict[str, Any]:
        msg = await append(
            session,
            conv,
            "out",
            sender,
            body,
            reply_to=reply_to,
            payload={"buttons": buttons} if buttons else {},
            agent_id=agent_id,
        )
        await session.execute(
            _NEW_OUTBOX_ROW,
            {
                "message_id": msg.id,
                "conversation_id": conv.id,
                "channel": conv.channel,
                "created_at": msg.created_at,
            },
        )
        if sender in ("bot", "agent") and conv.first_response_at is None:
            conv.first_response_at = msg.created_at
        out = message_json(msg, agent_name=agent_name)
        state = conv.state

        def fan_out() -> None:
            # Panels see the message once it is committed; the customer's channel gets it
            # from the outbox sender, which is woken here.
            events.publish_conversation_event(
                self.broker,
                conv.id,
                events.message_frame(out),
                agents_frame=events.queued_message_frame(out, state),
            )
            self.wake_sender()

        after_commit(session, fan_out)
        return out
