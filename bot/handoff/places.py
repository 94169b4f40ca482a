"""Telling a waiting customer their place in the queue and their expected wait.

The forecast (``bot.handoff.waits``) reads the whole queue and plays it out: it always runs
on the reader, before the write transaction that sends the messages, never under the write
lock. A hand-off promises the telling in its own commit (``promise_position``: a mark in
the conversation's context); the caller keeps the promise after that commit
(``settle_hand_off``), and the scheduler keeps one nobody kept within a grace (a hub that
died in between). Each telling re-reads the conversation under its row lock, so a promise
is kept once.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff import waits
from bot.handoff.dispatch import auto_assign
from bot.i18n.texts import CALLBACK_BUTTONS
from bot.i18n.texts import text as t
from bot.store import states
from bot.store.models import Conversation
from bot.store.times import utc_now

if TYPE_CHECKING:
    from bot.core import Core as Hub

log = logging.getLogger(__name__)
POSITION_DUE = "position_due"  # in a conversation's context: a place still to be told
Place = tuple[int, float | None]  # (position, expected wait in seconds or None: unknown)


async def settle_hand_off(hub: Hub, conv: Conversation) -> None:
    """What follows a hand-off's commit (``conv`` as the caller's transaction left it): the
    customer is told their place, then the offers the routing rules call for are made
    (this one's, if an agent is free). After a crash between the two commits, or if this
    fails, the scheduler does both (the promise is in the context, the offers are made at
    every tick). A promise found on a conversation an agent already has (claimed before
    it was kept) is moot: nothing is read or written for it at the turns that follow."""
    if position_due(conv) is None or not awaits_agent(conv):
        return
    try:
        await tell_due_position(hub, conv.id)
        async with hub.db.session() as session:
            await auto_assign(hub, session)
            await session.commit()
    except Exception:
        log.exception("after the hand-off of conversation %s; the scheduler will", conv.id)


def promise_position(conv: Conversation, *, first: bool, reply_to: int | None) -> None:
    """Mark that the customer is to be told their place: by ``tell_due_position`` after the
    caller's commit, or by the scheduler if that never happens."""
    conv.context = {
        **(conv.context or {}),
        POSITION_DUE: {"first": first, "reply_to": reply_to, "since": utc_now().isoformat()},
    }


def position_due(conv: Conversation) -> dict[str, Any] | None:
    """The promise to tell the customer their place, when one is open."""
    due = (conv.context or {}).get(POSITION_DUE)
    return dict(due) if isinstance(due, dict) else None


def offered(conv: Conversation) -> bool:
    """Offered to an agent who has not acknowledged yet: next in line, not yet served."""
    return conv.state == states.ASSIGNED and conv.acknowledged_at is None


def awaits_agent(conv: Conversation) -> bool:
    """Waiting in the queue, or offered and not yet acknowledged: a place to be told."""
    return conv.state == states.WAITING or offered(conv)


async def tell_due_position(hub: Hub, conv_id: int) -> list[dict[str, Any]]:
    """Keep the promise ``promise_position`` made, once: the forecast on the reader, then
    the messages under the conversation's row lock, if nobody (the scheduler) kept the
    promise meanwhile. A customer already offered to an agent (the scheduler's offers can
    come before this) is told they are first, with the measured acknowledgement time."""
    async with hub.db.reader() as session:
        conv = await session.get(Conversation, conv_id)
        due = position_due(conv) if conv is not None else None
        await session.commit()
    if conv is None or due is None:
        return []
    if conv.state == states.WAITING:
        place = await place_of(hub, conv_id)
    elif offered(conv):
        place = await offer_place(hub)
    else:
        return []

    def still_due(c: Conversation) -> bool:
        return awaits_agent(c) and position_due(c) == due

    return await tell_position_locked(hub, conv_id, place, still_due)


async def offer_place(hub: Hub) -> Place:
    """Place 1, and the median time agents have lately taken to acknowledge an offer."""
    async with hub.db.reader() as session:
        facts = await waits.measured(session, hub.settings, utc_now())
        await session.commit()
    return 1, statistics.median(facts.ack_s)


async def place_of(hub: Hub, conv_id: int) -> Place:
    """A waiting conversation's place and expected wait, forecast on the reader (a read of
    the whole queue and milliseconds of CPU per customer: never under the write lock)."""
    async with hub.db.reader() as session:
        conv = await session.get(Conversation, conv_id)
        found = await waits.estimates(session, hub.settings, [conv]) if conv is not None else {}
        await session.commit()
    return found.get(conv_id, (1, None))


async def tell_position_locked(
    hub: Hub,
    conv_id: int,
    estimate: Place,
    unchanged: Callable[[Conversation], bool],
) -> list[dict[str, Any]]:
    """Tell a customer their place with an estimate made before the write lock, after
    reading the conversation again under its row lock: it may have left the queue, or been
    told by another path since it was read (``unchanged`` says neither happened)."""
    async with hub.db.session() as session:
        conv = await session.get(Conversation, conv_id, with_for_update=True)
        if conv is None or not unchanged(conv):
            await session.rollback()
            return []
        due = position_due(conv)
        return await tell_position(
            hub,
            session,
            conv,
            first=bool(due and due.get("first")),
            reply_to=due.get("reply_to") if due else None,
            estimate=estimate,
        )


async def tell_position(
    hub: Hub,
    session: AsyncSession,
    conv: Conversation,
    *,
    first: bool,
    reply_to: int | None = None,
    estimate: Place,
) -> list[dict[str, Any]]:
    """Tell the customer their place and expected wait (and offer a call-back when it is
    long or unknown); commits. ``estimate`` was made before the write transaction
    (``place_of``): the caller holds the write lock here."""
    position, wait = estimate
    replies = []
    if wait is not None:
        key = "queued" if first else "still_waiting"
        minutes = max(1, round(wait / 60))
        replies.append(
            await hub.send(
                session,
                conv,
                "system",
                t(key, conv.language, position=position, minutes=minutes),
                reply_to=reply_to,
            )
        )
    context = dict(conv.context or {})
    if (wait is None or wait > hub.settings.max_wait_before_callback_s) and not context.get(
        "callback_offered"
    ):
        context["callback_offered"] = True
        conv.context = context
        replies.append(
            await hub.send(
                session,
                conv,
                "system",
                t("offer_callback", conv.language),
                buttons=CALLBACK_BUTTONS[conv.language],
                reply_to=reply_to,
            )
        )
    context = dict(conv.context or {})
    context.pop(POSITION_DUE, None)
    context["last_position_update"] = utc_now().isoformat()
    context["told_wait_s"] = wait  # the scheduler tells a new one when it moves a lot
    conv.context = context
    await session.commit()
    return replies


KEPT_NOTE = "kept_note_for"  # in a conversation's context: the wait already told so


async def note_kept_for_agent(
    hub: Hub, session: AsyncSession, conv: Conversation, reply_to: int
) -> None:
    """Tell a waiting customer, once per wait, that what they write is kept for the agent:
    the first message after the hand-off that asks nothing of the hub (not a call-back,
    not the person again) would otherwise get no reply until someone picks it up, which
    reads as lost. Later ones in the same wait are not acknowledged one by one."""
    since = conv.waiting_since.isoformat() if conv.waiting_since else "-"
    if (conv.context or {}).get(KEPT_NOTE) == since:
        return
    conv.context = {**(conv.context or {}), KEPT_NOTE: since}
    await hub.send(session, conv, "system", t("kept_for_agent", conv.language), reply_to=reply_to)
