"""Periodic duties that keep promises: mark absent agents offline, return their offers and
the offers not acknowledged in time, alert on service-level breaches, raise long waits to
urgent, remind and escalate call-backs, and keep waiting customers informed (every two
minutes, and when their estimated wait moves a lot)."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select

from bot.cluster import jobs
from bot.handoff import callbacks, dispatch, estimate, places, urgency, waits
from bot.realtime import presence
from bot.store import states
from bot.store.models import Callback, Conversation, User
from bot.store.times import utc_now

if TYPE_CHECKING:
    from bot.core import Core as Hub

log = logging.getLogger(__name__)
WAITING_UPDATE_S = 120.0
ESTIMATE_FLOOR_S = 60.0  # a change in the estimate smaller than this is not news
# Ticks between two looks at whether a waiting customer's estimate moved a lot: the
# forecast costs milliseconds of CPU per waiting customer, and at every one-second tick
# it was most of an idle hub's CPU while anyone waited. A customer hears of a big change
# within this many seconds.
ESTIMATE_EVERY_TICKS = 10
# A place promised at hand-off is normally told within milliseconds, after the hand-off's
# commit; the scheduler keeps the promise only when that did not happen by then.
PROMISE_GRACE = timedelta(seconds=10)


def _due(conv: Conversation, now: datetime) -> bool:
    """A waiting customer not told their position for a while, or whose first telling was
    promised (``places.promise_position``) and not kept within a grace: the hub that
    promised it died, or has not got to it."""
    if conv.state != states.WAITING:
        return False
    promised = places.position_due(conv)
    if promised is not None:
        since = promised.get("since")
        return not since or now - datetime.fromisoformat(since) >= PROMISE_GRACE
    last = (conv.context or {}).get("last_position_update")
    return not last or now - datetime.fromisoformat(last) >= timedelta(seconds=WAITING_UPDATE_S)


def _moved(conv: Conversation, wait_s: float | None, share: float) -> bool:
    """The estimate the customer was told is off by a lot now (and by a minute at least)."""
    context = conv.context or {}
    if "told_wait_s" not in context:
        return False
    return estimate.changed_a_lot(context["told_wait_s"], wait_s, share, ESTIMATE_FLOOR_S)


def _as_told(conv: Conversation) -> tuple[Any, Any]:
    """What the customer was last told, and the telling still promised, as read."""
    return (conv.context or {}).get("last_position_update"), places.position_due(conv)


def _told_as(seen: tuple[Any, Any], conv: Conversation) -> bool:
    return conv.state == states.WAITING and _as_told(conv) == seen


async def update_waiting_customers(hub: Hub, *, estimates: bool = True) -> int:
    """Tell waiting customers their place again: every two minutes, and (with
    ``estimates``) when their estimated wait moved a lot since they were told it."""
    now = utc_now()
    told = 0
    share = hub.settings.routing_estimate_change_share
    # A read, without the write lock: the forecast runs in here, and each customer found
    # due is read again under its row lock before anything is written, and told with the
    # estimate made here (never a second forecast under the lock).
    async with hub.db.reader() as session:
        rows = list(
            (
                await session.scalars(
                    select(Conversation).where(Conversation.state == states.WAITING)
                )
            ).all()
        )
        now_waits = await waits.estimates(session, hub.settings, rows) if rows and estimates else {}
        # A customer is due every two minutes, or when their estimate moved a lot; then
        # what they were told when this was read (the second check below compares it).
        found = [
            conv
            for conv in rows
            if _due(conv, now)
            or (estimates and _moved(conv, now_waits.get(conv.id, (0, None))[1], share))
        ]
        if found and not estimates:
            now_waits = await waits.estimates(session, hub.settings, found)
        due = {conv.id: _as_told(conv) for conv in found}
        await session.commit()
    for conv_id, seen in due.items():
        # Re-read under the row lock: intake's worker may have just queued it and told
        # the customer already (the same message twice otherwise).
        unchanged = partial(_told_as, seen)
        place = now_waits.get(conv_id, (1, None))
        if await places.tell_position_locked(hub, conv_id, place, unchanged):
            told += 1
    return told


@dataclass(frozen=True)
class Census:
    """Whether the tick's duties have anything to look at."""

    queue: bool  # a conversation waiting for a person or assigned to one
    online: bool  # an agent marked online (presence may have to set them offline)
    callbacks: bool  # a scheduled call-back (reminders, escalation)


async def census(hub: Hub) -> Census:
    """One read, without the write lock, of what the duties below would each look for.

    Every duty only acts on rows in these sets, so a duty whose set is empty has nothing to
    do this second. An idle hub (nobody queued, no agent online) then runs this one
    statement per tick instead of some twenty, each of them in a transaction that queued
    for SQLite's write lock. A row that appears just after this read is seen a tick later,
    as one that appeared just after its duty ran always was.
    """
    async with hub.db.reader() as session:
        row = (
            await session.execute(
                select(
                    exists().where(Conversation.state.in_((states.WAITING, states.ASSIGNED))),
                    exists().where(User.online.is_(True)),
                    exists().where(Callback.status == "scheduled"),
                )
            )
        ).one()
    return Census(queue=bool(row[0]), online=bool(row[1]), callbacks=bool(row[2]))


async def tick(hub: Hub, *, estimates: bool = True) -> None:
    seen = await census(hub)
    if seen.online:
        await presence.sweep(hub)
    if seen.queue:
        # Absent agents' offers, time-outs, service levels, new offers: all about
        # conversations waiting or assigned.
        await dispatch.tick(hub)
        await urgency.escalate_long_waits(hub)
    if seen.callbacks:
        await callbacks.sweep(hub)
    if seen.queue:
        await update_waiting_customers(hub, estimates=estimates)


async def run_forever(hub: Hub, interval_s: float = 1.0) -> None:
    """Tick on the one replica holding the scheduler's lease (``bot.cluster.jobs``)."""
    settings = hub.settings
    ticks = itertools.count()
    await jobs.run_leased(
        hub.db,
        "scheduler",
        settings.replica_name,
        settings.job_lease_s,
        interval_s,
        lambda: tick(hub, estimates=next(ticks) % ESTIMATE_EVERY_TICKS == 0),
    )
