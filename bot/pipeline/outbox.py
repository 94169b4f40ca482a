"""The outbox sender: delivers stored outbound messages on their channel, in order per
conversation, retrying with backoff. The outbox row's id is the delivery id.

A row is marked sent right after its channel accepted it; only a crash between those two
steps can repeat a delivery (Telegram has no idempotency key), and the widget ignores a
message id it already shows.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, select, update

from bot.pipeline import leases
from bot.store import tables
from bot.store.db import Database
from bot.store.models import Conversation, Message, OutboxEntry, User
from bot.store.serialize import message_json
from bot.store.times import utc_now

log = logging.getLogger(__name__)

Deliverer = Callable[[Conversation, dict[str, Any]], Awaitable[None]]
Clock = Callable[[], datetime]
MAX_ATTEMPTS = 12  # about 30 minutes of backoff before a row is given up as failed
BATCH = 20
# A delivery's statements, built once with their values bound (each runs for every reply):
# a statement built anew is keyed anew by SQLAlchemy's compiled cache.
_outbox = tables.outbox
_messages = tables.messages
_later = _outbox.alias("later")
# Whether the row's conversation has another pending row after it: one that its delivery
# makes claimable (a conversation's rows go out in order), so the sender claims again at
# once only then (``run_forever``).
_FOLLOWED = (
    exists()
    .where(
        _later.c.conversation_id == OutboxEntry.conversation_id,
        _later.c.status == "pending",
        _later.c.id > OutboxEntry.id,
    )
    .label("followed")
)
# The claimed rows with their messages, conversations and agents' names, read in the
# claim's transaction (leases.claim_rows; a read of each row after it, on the reader, was
# one more transaction a reply).
_READ_ROWS = (
    select(OutboxEntry, Message, Conversation, User.display_name, _FOLLOWED)
    .join(Message, Message.id == OutboxEntry.message_id)
    .join(Conversation, Conversation.id == OutboxEntry.conversation_id)
    .outerjoin(User, User.id == Message.agent_id)
    .where(OutboxEntry.id.in_(bindparam("ids", expanding=True)))
    .order_by(OutboxEntry.id)
)
# Core statements on the tables: nothing loaded in their session to bring in line.
_MARK_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("row_id"))
    .values(status="sent", sent_at=bindparam("now"), lease_owner=None, lease_until=None)
)
_MARK_DELIVERED = (
    update(_messages)
    .where(_messages.c.id == bindparam("message_id"))
    .values(delivered_at=bindparam("now"))
)


class DeliveryRefused(Exception):
    """The channel will never take this message (its reply window closed): the row is
    marked failed at once instead of retried, with the reason kept in ``last_error``. The
    channel reports it to the agent; nothing is dropped silently."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class DeliveryDeferred(Exception):
    """The channel asks to be tried again later (a rate limit): retried after
    ``retry_after_s`` rather than on the usual backoff."""

    def __init__(self, detail: str, retry_after_s: float) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


def backoff_s(attempts: int) -> float:
    return float(min(300, 2 ** max(0, attempts - 1)))


class OutboxSender:
    def __init__(
        self,
        db: Database,
        deliverers: dict[str, Deliverer],
        *,
        lease_s: float = 30.0,
        poll_s: float = 2.0,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.deliverers = deliverers
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.clock = clock
        self.owner = f"outbox-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        """Deliver whatever is due; sleep until woken or the next poll (the re-drive).

        A pass claims again at once only when there may be more to send now: a full batch,
        or a delivered row whose conversation had another row waiting behind it. Anything
        else that becomes due is announced: a commit that writes a reply wakes the sender
        (``Outbound``), and the wake-up is cleared before the claim, so one that comes
        while a pass runs is not lost; retries and rows of a sender that died come with
        the poll. The claim after every pass that sent something mostly found nothing: a
        write transaction for each reply."""
        freed = await leases.release_orphans(self.db, OutboxEntry)
        if freed:
            log.warning("re-sending %s delivery(ies) a killed predecessor held", freed)
        while True:
            self._wake.clear()
            try:
                more = await self.deliver_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed")
                more = False
            if more:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            except asyncio.TimeoutError:
                pass

    async def deliver_pass(self) -> bool:
        """One pass (``deliver_due``); True when there may be more to claim at once."""
        rows = await self._claim_and_deliver()
        return len(rows) >= BATCH or any(found.followed for found in rows)

    async def deliver_due(self) -> int:
        """Claim and deliver what is due now; the number of rows claimed."""
        return len(await self._claim_and_deliver())

    async def _claim_and_deliver(self) -> list[Any]:
        rows = await leases.claim_rows(
            self.db, OutboxEntry, self.owner, self.lease_s, self.clock(), BATCH, _READ_ROWS
        )
        # Conversations are independent: deliver them side by side, each one in order.
        await asyncio.gather(*(self._deliver(*found[:4]) for found in rows))
        return rows

    async def _deliver(
        self, row: OutboxEntry, msg: Message, conv: Conversation, agent_name: str | None
    ) -> None:
        row_id, attempts = row.id, row.attempts
        out = message_json(msg, agent_name=agent_name)
        out["delivery_id"] = row_id
        deliverer = self.deliverers.get(row.channel)
        try:
            if deliverer is not None:
                await deliverer(conv, out)
        except Exception as exc:  # a channel outage must not lose the stored message
            give_up = attempts >= MAX_ATTEMPTS or isinstance(exc, DeliveryRefused)
            delay = exc.retry_after_s if isinstance(exc, DeliveryDeferred) else backoff_s(attempts)
            log.warning("delivery %s (message %s) failed: %s", row_id, msg.id, exc)
            await leases.release(
                self.db,
                OutboxEntry,
                row_id,
                self.owner,
                self.clock() + timedelta(seconds=delay),
                status="failed" if give_up else "pending",
                last_error=f"{type(exc).__name__}: {exc}"[:500],
            )
            return
        now = self.clock()
        async with self.db.session() as session:
            await session.execute(_MARK_SENT, {"row_id": row_id, "now": now})
            await session.execute(_MARK_DELIVERED, {"message_id": msg.id, "now": now})
            await session.commit()

    async def pending_count(self) -> int:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(OutboxEntry.id).where(OutboxEntry.status == "pending")
            )
            return len(rows.all())
