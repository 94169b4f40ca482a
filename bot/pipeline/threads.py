"""What a channel adapter may read or change of its own thread, so no channel reads tables:
the thread's history, the language of its open conversation, the payload of a button the
hub sent to it, and the contact behind a customer id a site vouched for.

Every query is bounded to one (channel, channel key) thread: a channel can only ever see
what was said on the thread it speaks for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.pipeline.intake import Accepted, Inbound
from bot.pipeline.outbox import Deliverer
from bot.store import states
from bot.store.contacts import ensure_contact
from bot.store.db import Database
from bot.store.models import Conversation, Customer, Message, User
from bot.store.serialize import message_json

PublishAfterCommit = Callable[[AsyncSession, Conversation], None]


class Recipient(Protocol):
    """What a channel's deliverer needs of the conversation it delivers to."""

    @property
    def channel_key(self) -> str: ...

    @property
    def language(self) -> str: ...


class ChannelHub(Protocol):
    """The hub as a channel adapter sees it: intake, its threads, and where to register the
    deliverer of its outbound messages."""

    settings: Settings
    threads: Threads
    deliverers: dict[str, Deliverer]

    def receive(self, inbound: Inbound) -> Awaitable[Accepted]: ...


class Threads:
    def __init__(self, db: Database, publish_after_commit: PublishAfterCommit) -> None:
        self.db = db
        self._publish_after_commit = publish_after_commit

    async def history(self, channel: str, key: str) -> tuple[list[dict[str, Any]], str | None]:
        """Every message of the thread, oldest conversation first, and the state of its
        latest conversation (None when it has none)."""
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Message, User.display_name)
                    .select_from(Message)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    # A reloaded page still names the agent who wrote each reply.
                    .outerjoin(User, User.id == Message.agent_id)
                    .where(Conversation.channel == channel, Conversation.channel_key == key)
                    .order_by(Message.conversation_id, Message.seq)
                )
            ).all()
            state = await session.scalar(
                select(Conversation.state)
                .where(Conversation.channel == channel, Conversation.channel_key == key)
                .order_by(Conversation.id.desc())
            )
        return [message_json(m, agent_name=name) for m, name in rows], state

    async def set_language(self, channel: str, key: str, language: str) -> int | None:
        """Answer the thread's open conversation in ``language`` from its next message on
        (panels get the change after the commit); its id, or None when none is open."""
        async with self.db.session() as session:
            conv = await session.scalar(
                select(Conversation)
                .where(
                    Conversation.channel == channel,
                    Conversation.channel_key == key,
                    Conversation.state.in_(states.OPEN_STATES),
                )
                .order_by(Conversation.id.desc())
                .limit(1)
            )
            if conv is not None and conv.language != language:
                conv.language = language
                self._publish_after_commit(session, conv)
            await session.commit()
        return conv.id if conv is not None else None

    async def button_payload(
        self, channel: str, key: str, message_id: int, index: int
    ) -> str | None:
        """The payload of button ``index`` of a message the hub sent to this thread; None
        for a message of another thread or a button it does not have."""
        async with self.db.session() as session:
            row = await session.scalar(
                select(Message)
                .join(Conversation)
                .where(
                    Message.id == message_id,
                    Conversation.channel == channel,
                    Conversation.channel_key == key,  # only buttons sent to this thread
                )
            )
        buttons = (row.payload or {}).get("buttons", []) if row is not None else []
        if not 0 <= index < len(buttons):
            return None
        return str(buttons[index].get("payload") or "")

    async def ensure_contact(self, customer_id: str, language: str | None) -> bool:
        """A contact for a customer id a site vouched for; True when one was created."""
        return await ensure_contact(self.db, customer_id, language)

    async def customer_name(self, customer_id: str) -> str | None:
        async with self.db.session() as session:
            customer = await session.get(Customer, customer_id)
        return customer.name if customer is not None else None
