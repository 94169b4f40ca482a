"""What every stage after intake shares: settings, the database, the realtime broker, and
the few writes that keep the audit trail (state changes, events, outbound messages).

Stages (router, queue, call-backs, scheduler) receive a ``Core``; none of them imports the
composition root in ``bot.service``, so data flows one way and there is no import cycle.
Nothing here commits: the caller owns its transaction, and pushes run after its commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.pipeline.effects import after_commit
from bot.pipeline.outbound import Outbound, thread_topic
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.store import states
from bot.store.db import Database
from bot.store.models import Conversation, ConversationEvent, User
from bot.store.serialize import conversation_json


class Core:
    def __init__(self, settings: Settings, db: Database, broker: Broker, outbound: Outbound):
        self.settings = settings
        self.db = db
        self.broker = broker
        self.outbound = outbound
        self._background: set[asyncio.Future[Any]] = set()

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run a side job (a suggestion refresh) in the background, tied to the hub's life
        (the hub cancels what is left when it closes)."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def record_event(
        self,
        session: AsyncSession,
        conv: Conversation,
        kind: str,
        *,
        to_state: str | None = None,
        actor: str | None = None,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        session.add(
            ConversationEvent(
                conversation_id=conv.id,
                kind=kind,
                from_state=conv.state,
                to_state=to_state,
                actor=actor,
                note=note,
                data=data or {},
            )
        )

    async def transition(
        self, session: AsyncSession, conv: Conversation, target: str, *, actor: str, note: str = ""
    ) -> None:
        states.check_transition(conv.state, target)
        await self.record_event(session, conv, "state", to_state=target, actor=actor, note=note)
        conv.state = target

    def publish_conversation(self, conv: Conversation) -> None:
        frame = events.conversation_frame(conversation_json(conv))
        events.publish_conversation_event(self.broker, conv.id, frame)

    def publish_after_commit(self, session: AsyncSession, conv: Conversation) -> None:
        """Push the conversation's new state to panels once the caller's commit lands."""
        after_commit(session, lambda: self.publish_conversation(conv))

    async def send(
        self,
        session: AsyncSession,
        conv: Conversation,
        sender: str,
        body: str,
        *,
        reply_to: int | None = None,
        buttons: list[dict[str, str]] | None = None,
        agent: User | None = None,
    ) -> dict[str, Any]:
        """Store an outbound message and its outbox row; the caller commits. The outbox
        sender delivers it on the conversation's channel after the commit."""
        return await self.outbound.send(
            session,
            conv,
            sender,
            body,
            reply_to=reply_to,
            buttons=buttons,
            agent_id=agent.id if agent else None,
            agent_name=agent.display_name if agent else None,
        )

    @staticmethod
    def thread_topic(conv: Conversation) -> str:
        return thread_topic(conv.channel, conv.channel_key)
