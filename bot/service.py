"""The hub's core: take in a customer message, store it, and route it to the bot or a human.

Every inbound message is committed before anything else happens, and every outbound one is
committed before it is delivered, so a crash or restart loses nothing. Work on one
conversation is serialised by a per-thread lock, which keeps messages in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import states
from bot.language import next_language
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.realtime import Broker
from bot.serialize import conversation_json, message_json
from bot.store.db import Database
from bot.store.models import Conversation, ConversationEvent, Message, User, utcnow
from bot.text import validate_text
from bot.texts import text as t
from tandem.settings import Settings

log = logging.getLogger(__name__)

Deliverer = Callable[[Conversation, dict[str, Any]], Awaitable[None]]
InboundHook = Callable[[Conversation, dict[str, Any]], Awaitable[None]]


def rasa_sender(conv: Conversation) -> str:
    """Rasa's tracker id for a conversation. The creation time makes it unique beyond this
    database, so a reset hub never lands on an old (perhaps paused) tracker in Rasa's store."""
    created = conv.created_at.replace(tzinfo=None) if conv.created_at else None
    stamp = int(created.timestamp() * 1000) if created else 0
    return f"c{conv.id}-{stamp}-{conv.rasa_episode}"


@dataclass
class Inbound:
    channel: str
    channel_key: str
    text: Any
    channel_message_id: str | None = None
    customer_id: str | None = None
    language: str | None = None
    # A sticker, photo or voice note: stored for the agent as "[kind]", never routed.
    attachment: str | None = None


@dataclass
class IntakeResult:
    conversation_id: int
    message: dict[str, Any]
    duplicate: bool
    replies: list[dict[str, Any]] = field(default_factory=list)


class Hub:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        broker: Broker | None = None,
        rasa: RasaClient | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.broker = broker or Broker()
        self.rasa = rasa or RasaClient(settings.rasa_url, settings.rasa_timeout_s)
        self.deliverers: dict[str, Deliverer] = {}
        self.inbound_hooks: list[InboundHook] = []
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._background: set[asyncio.Task[None]] = set()

    # -- helpers -------------------------------------------------------------------------
    def lock_for(self, channel: str, channel_key: str) -> asyncio.Lock:
        return self._locks.setdefault((channel, channel_key), asyncio.Lock())

    def lock_for_conversation(self, conv: Conversation) -> asyncio.Lock:
        return self.lock_for(conv.channel, conv.channel_key)

    def spawn(self, coro: Awaitable[None]) -> None:
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
        event = {"type": "conversation", "conversation": conversation_json(conv)}
        self.broker.publish("agents", event)
        self.broker.publish(f"conv:{conv.id}", event)

    # -- intake --------------------------------------------------------------------------
    async def receive(self, inbound: Inbound) -> IntakeResult:
        body = validate_text(inbound.text, self.settings.max_message_chars)
        async with self.lock_for(inbound.channel, inbound.channel_key):
            async with self.db.session() as session:
                if inbound.channel_message_id:
                    seen = await session.scalar(
                        select(Message).where(
                            Message.channel == inbound.channel,
                            Message.channel_message_id == inbound.channel_message_id,
                        )
                    )
                    if seen is not None:
                        replies = (
                            await session.scalars(
                                select(Message)
                                .where(Message.reply_to == seen.id)
                                .order_by(Message.seq)
                            )
                        ).all()
                        return IntakeResult(
                            seen.conversation_id,
                            message_json(seen),
                            duplicate=True,
                            replies=[message_json(r) for r in replies],
                        )
                feedback = body.startswith(("/csat ", "/nps "))
                conv = await self.open_conversation(session, inbound, feedback=feedback)
                # The language changes only on clear evidence (bot/language.py).
                language = next_language(conv.language, body)
                if language:
                    conv.language = language
                msg = self._new_message(
                    conv,
                    "in",
                    "customer",
                    body,
                    channel_message_id=inbound.channel_message_id,
                    payload={"attachment": inbound.attachment} if inbound.attachment else None,
                )
                session.add(msg)
                await session.commit()
                msg_out = message_json(msg)
                self.broker.publish(f"conv:{conv.id}", {"type": "message", "message": msg_out})
                self.broker.publish(
                    self.thread_topic(conv), {"type": "message", "message": msg_out}
                )
                self.broker.publish(
                    "agents", {"type": "message", "message": msg_out, "state": conv.state}
                )
                for hook in self.inbound_hooks:
                    self.spawn(hook(conv, msg_out))
                if inbound.attachment:
                    note = t("text_only", inbound.language or conv.language)
                    replies = [await self.send(session, conv, "system", note, reply_to=msg.id)]
                else:
                    replies = await self._route(session, conv, msg, body)
        return IntakeResult(conv.id, msg_out, duplicate=False, replies=replies)

    async def open_conversation(
        self, session: AsyncSession, inbound: Inbound, *, feedback: bool = False
    ) -> Conversation:
        """The customer's open conversation on this channel thread, or a new one.

        A satisfaction score belongs to the conversation just resolved, not to a new one.
        """
        if feedback:
            latest = await session.scalar(
                select(Conversation)
                .where(
                    Conversation.channel == inbound.channel,
                    Conversation.channel_key == inbound.channel_key,
                )
                .order_by(Conversation.id.desc())
            )
            if latest is not None and latest.state == states.RESOLVED:
                return latest
        conv = await session.scalar(
            select(Conversation)
            .where(
                Conversation.channel == inbound.channel,
                Conversation.channel_key == inbound.channel_key,
                Conversation.state.in_(states.OPEN_STATES),
            )
            .order_by(Conversation.id.desc())
        )
        if conv is None:
            previous = await session.scalar(
                select(Conversation)
                .where(
                    Conversation.channel == inbound.channel,
                    Conversation.channel_key == inbound.channel_key,
                )
                .order_by(Conversation.id.desc())
            )
            conv = Conversation(
                channel=inbound.channel,
                channel_key=inbound.channel_key,
                # The customer comes only from this message's verified identity (or, later,
                # an agent's explicit link); never from an earlier conversation on the thread.
                customer_id=inbound.customer_id,
                language=inbound.language or (previous.language if previous else "vi"),
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

    def _new_message(
        self,
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
            seq=conv.next_seq,
            direction=direction,
            sender=sender,
            channel=conv.channel,
            channel_message_id=channel_message_id,
            reply_to=reply_to,
            text=body,
            payload=payload or {},
            agent_id=agent_id,
            created_at=utcnow(),
        )
        conv.next_seq += 1
        return msg

    # -- outbound ------------------------------------------------------------------------
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
        """Store an outbound message, then deliver it on the conversation's channel."""
        msg = self._new_message(
            conv,
            "out",
            sender,
            body,
            reply_to=reply_to,
            payload={"buttons": buttons} if buttons else {},
            agent_id=agent.id if agent else None,
        )
        session.add(msg)
        if sender in ("bot", "agent") and conv.first_response_at is None:
            conv.first_response_at = msg.created_at
        await session.commit()
        out = message_json(msg, agent_name=agent.display_name if agent else None)
        await self.deliver(conv, out)
        return out

    @staticmethod
    def thread_topic(conv: Conversation) -> str:
        """Topic for the customer's side: it spans every conversation on one channel thread."""
        return f"thread:{conv.channel}:{conv.channel_key}"

    async def deliver(self, conv: Conversation, out: dict[str, Any]) -> None:
        self.broker.publish(f"conv:{conv.id}", {"type": "message", "message": out})
        self.broker.publish(self.thread_topic(conv), {"type": "message", "message": out})
        self.broker.publish("agents", {"type": "message", "message": out, "state": conv.state})
        deliverer = self.deliverers.get(conv.channel)
        if deliverer is None:
            return
        try:
            await deliverer(conv, out)
        except Exception:  # a channel outage must not lose the stored message
            log.exception("delivery to %s failed for message %s", conv.channel, out["id"])
            return
        async with self.db.session() as session:
            stored = await session.get(Message, out["id"])
            if stored is not None:
                stored.delivered_at = datetime.now(timezone.utc)
                await session.commit()

    # -- routing -------------------------------------------------------------------------
    async def _route(
        self, session: AsyncSession, conv: Conversation, msg: Message, body: str
    ) -> list[dict[str, Any]]:
        from bot.handoff import callbacks, queue

        if conv.state == states.BOT:
            return await self._route_to_bot(session, conv, msg, body)
        if conv.state == states.WAITING:
            return await callbacks.handle_waiting_message(self, session, conv, msg, body)
        if conv.state in (states.RESOLVED, states.CLOSED):
            return await queue.handle_feedback(self, session, conv, msg, body)
        return []  # assigned: the agent sees it live; the bot stays out

    async def _route_to_bot(
        self, session: AsyncSession, conv: Conversation, msg: Message, body: str
    ) -> list[dict[str, Any]]:
        from bot.handoff import queue

        metadata = {
            "customer_id": conv.customer_id,
            "language": conv.language,
            "channel": conv.channel,
            "conversation_id": conv.id,
        }
        sender = rasa_sender(conv)
        self.broker.publish(self.thread_topic(conv), {"type": "typing", "sender": "bot"})
        try:
            bot_replies = await self.rasa.send(sender, body, metadata)
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for conversation %s: %s", conv.id, exc)
            out = await self.send(
                session, conv, "system", t("bot_unavailable", conv.language), reply_to=msg.id
            )
            queued = await queue.hand_off(
                self, session, conv, {"reason": "bot_unavailable", "language": conv.language}
            )
            return [out, *queued]
        replies: list[dict[str, Any]] = []
        packet: dict[str, Any] | None = None
        for reply in bot_replies:
            custom = reply.get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
                packet = custom["handoff"]
                continue
            body_out = reply.get("text")
            if not body_out:
                continue
            replies.append(
                await self.send(
                    session,
                    conv,
                    "bot",
                    str(body_out),
                    reply_to=msg.id,
                    buttons=reply.get("buttons"),
                )
            )
        if packet is not None:
            if packet.get("language") in ("vi", "en"):
                conv.language = packet["language"]
            replies.extend(await queue.hand_off(self, session, conv, packet))
        return replies

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await self.rasa.close()
