"""The hub's composition root: builds the pipeline's stages and runs their loops.

A customer message travels one way (README, "Architecture"):

    channel adapter (bot/api/widget.py, bot/channels/telegram.py)
      -> Intake.receive            store message + work item in one transaction, ack
      -> Workers (database queue)  claim the conversation's oldest item, with a lease
      -> Router.process            ask the bot (no connection held), then write replies,
                                   hand-offs and "done" in one transaction
      -> outbox rows               written with each reply
      -> OutboxSender              deliver on the channel, retry with backoff
      -> realtime fan-out          panels (agents, conv:<id>) after each commit

This module imports the stages; none of them imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from bot.config.settings import Settings
from bot.core import Core
from bot.pipeline.bot_return import return_to_bot
from bot.pipeline.health import BotHealth
from bot.pipeline.intake import Accepted, Inbound, InboundHook, Intake
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Deliverer, OutboxSender
from bot.pipeline.rasa_client import RasaClient
from bot.pipeline.router import Router, rasa_sender
from bot.pipeline.threads import Threads
from bot.pipeline.throttle import IntakeLimits
from bot.pipeline.workers import Workers
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.realtime.redis_broker import RedisBroker
from bot.store import tables
from bot.store.db import Database
from bot.store.models import Conversation
from bot.store.serialize import MESSAGE_COLUMNS, message_json

log = logging.getLogger(__name__)
# A message's replies with their agents' names (once a widget message), built once: the
# columns ``message_json`` reads, no ORM object for a row serialised and dropped.
_messages, _users = tables.messages, tables.users
_REPLIES = (
    select(*MESSAGE_COLUMNS, _users.c.display_name)
    .select_from(_messages.outerjoin(_users, _users.c.id == _messages.c.agent_id))
    .where(_messages.c.reply_to == bindparam("message_id"))
    .order_by(_messages.c.seq)
)

__all__ = ["Accepted", "Hub", "Inbound", "rasa_sender"]


def make_broker(redis_url: str) -> Broker:
    """The in-process broker, or the Redis fan-out across replicas when a URL is set."""
    return RedisBroker(redis_url) if redis_url else Broker()


class Hub(Core):
    def __init__(
        self,
        settings: Settings,
        db: Database,
        broker: Broker | None = None,
        rasa: RasaClient | None = None,
    ) -> None:
        broker = broker or make_broker(settings.redis_url)
        self.deliverers: dict[str, Deliverer] = {}
        self.outbox = OutboxSender(
            db, self.deliverers, lease_s=settings.work_lease_s, poll_s=settings.redrive_interval_s
        )
        super().__init__(settings, db, broker, Outbound(broker, self.outbox.wake))
        self.rasa = rasa or RasaClient(
            settings.rasa_url,
            settings.rasa_timeout_s,
            concurrency=settings.rasa_concurrency,
            retries=settings.rasa_retries,
            breaker_failures=settings.rasa_breaker_failures,
            breaker_reset_s=settings.rasa_breaker_reset_s,
        )
        self.health = BotHealth(
            self.rasa,
            broker,
            actions_url=settings.actions_url,
            interval_s=settings.bot_health_interval_s,
            on_recovered=lambda: return_to_bot(self, wake=self.workers.wake),
        )
        self.router = Router(self, self.rasa, self.health)
        self.workers = Workers(
            db,
            self.router,
            count=settings.pipeline_workers,
            lease_s=settings.work_lease_s,
            poll_s=settings.redrive_interval_s,
        )
        self.intake = Intake(
            db,
            broker,
            settings.max_message_chars,
            self.workers.wake,
            limits=IntakeLimits(settings),
            max_pending_per_conversation=settings.intake_max_pending_per_conversation,
            max_pending_per_visitor=settings.intake_max_pending_per_visitor,
            survey_hold_s=settings.reporting_survey_hold_s,
        )
        # What channel adapters read and change of their own threads (they read no tables).
        self.threads = Threads(db, self.publish_after_commit)
        # The web widget's channel is the realtime broker: its socket listens on the thread.
        self.deliverers["web"] = self._deliver_web
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def inbound_hooks(self) -> list[InboundHook]:
        return self.intake.hooks

    async def _deliver_web(self, conv: Conversation, out: dict[str, Any]) -> None:
        # Confirmed: with several replicas, a row counts as delivered only once Redis took it.
        await self.broker.publish_confirmed(
            events.thread(conv.channel, conv.channel_key), dict(events.message_frame(out))
        )

    async def receive(self, inbound: Inbound) -> Accepted:
        accepted = await self.intake.receive(inbound)
        if not accepted.duplicate:
            self.workers.stored(int(accepted.message["id"]))
        return accepted

    async def replies_to(self, message_id: int, wait_s: float = 0.0) -> list[dict[str, Any]]:
        """The hub's replies to one customer message, after waiting up to ``wait_s`` for
        it to be routed (the widget's HTTP fallback answers with them)."""
        if wait_s > 0:
            await self.workers.wait_routed(message_id, wait_s)
        # A read only, on the reader: it sees every committed reply without queueing for
        # SQLite's write lock behind the next turns' writers (one statement: read_one).
        async with self.db.read_one() as session:
            rows = (await session.execute(_REPLIES, {"message_id": message_id})).all()
            await session.commit()
        return [message_json(row, agent_name=row.display_name) for row in rows]

    def start(self) -> None:
        """Start the loops: bot health (warm-up first), workers, outbox sender."""
        self._tasks = [
            asyncio.create_task(self.health.run_forever()),
            asyncio.create_task(self.workers.run_forever()),
            asyncio.create_task(self.outbox.run_forever()),
        ]

    async def close(self) -> None:
        for task in [*self._tasks, *self._background]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.intake.close()
        await self.rasa.close()
        await self.health.close()
        await self.broker.close()


if TYPE_CHECKING:
    from bot.pipeline.serving import ServingHub

    def _serves_the_routes(hub: Hub) -> ServingHub:
        """Never called: mypy checks here that the hub has what the routes read of it."""
        return hub
