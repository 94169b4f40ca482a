"""The routing core (``bot.handoff.routing``) on the hub's database: offers, returns of
missed and abandoned offers, and service-level alerts (the wait estimate told to customers
is in ``bot.handoff.waits``).

The database is the queue's state: a conversation is waiting, or assigned to one agent
(``acknowledged_at`` null while it is only an offer). Each call reads a snapshot, asks the
pure rules what to do and writes the result; the scheduler (``bot.handoff.scheduler``)
calls ``tick`` every second on the replica holding its lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff import notes, routing
from bot.i18n.texts import text as t
from bot.realtime import events
from bot.store import states
from bot.store.models import Alert, Conversation, Message, User
from bot.store.times import aware, utc_now

if TYPE_CHECKING:
    from bot.core import Core as Hub


def epoch(at: datetime | None) -> float | None:
    value = aware(at)
    return value.timestamp() if value is not None else None


def present(user: User, now: datetime, presence_timeout_s: float) -> bool:
    """Online by their own choice and with a panel that checked in recently."""
    seen = aware(user.last_seen_at)
    return (
        bool(user.online)
        and seen is not None
        and now - seen <= timedelta(seconds=presence_timeout_s)
    )


def waiting_item(conv: Conversation, settings: Any) -> routing.Waiting:
    context = conv.context or {}
    missed = context.get("missed_by") or {}
    return routing.Waiting(
        id=conv.id,
        priority=conv.priority,
        waiting_since=epoch(conv.waiting_since) or 0.0,
        skill=routing.skill_of(
            conv.handoff_reason, settings.routing_reason_skills, context.get("urgent_because")
        ),
        team=conv.team,
        missed={int(k): float(v) for k, v in missed.items()},
    )


async def snapshot(
    session: AsyncSession, settings: Any, now: datetime
) -> tuple[list[Conversation], list[routing.Agent], dict[int, User]]:
    """The waiting conversations, the agents as routing sees them, and the agents' rows."""
    waiting = list(
        (
            await session.scalars(select(Conversation).where(Conversation.state == states.WAITING))
        ).all()
    )
    users = (await session.scalars(select(User).where(User.role == "agent"))).all()
    counts = {
        (agent_id, acked): int(n)
        for agent_id, acked, n in (
            await session.execute(
                select(
                    Conversation.assigned_to,
                    Conversation.acknowledged_at.is_not(None),
                    func.count(),
                )
                .where(Conversation.state == states.ASSIGNED)
                .group_by(Conversation.assigned_to, Conversation.acknowledged_at.is_not(None))
            )
        ).all()
    }
    agents = []
    for user in users:
        offers = counts.get((user.id, False), 0)
        agents.append(
            routing.Agent(
                id=user.id,
                present=present(user, now, settings.presence_timeout_s),
                capacity=user.capacity,
                load=offers + counts.get((user.id, True), 0),
                offers=offers,
                last_offer_at=epoch(user.last_offer_at) or float("-inf"),
                skills=frozenset(user.skills) if user.skills is not None else None,
                team=user.team,
            )
        )
    return waiting, agents, {u.id: u for u in users}


def queue_order(waiting: list[Conversation], settings: Any, now: datetime) -> list[int]:
    """Ids of waiting conversations in the order routing offers them."""
    rules = routing.Rules.from_settings(settings)
    items = [waiting_item(c, settings) for c in waiting]
    return [item.id for item in routing.order(items, now.timestamp(), rules)]


async def assign(
    hub: Hub,
    session: AsyncSession,
    conv: Conversation,
    agent: User,
    *,
    actor: str,
    acknowledged: bool,
    note: str = "",
) -> None:
    await hub.transition(
        session, conv, states.ASSIGNED, actor=actor, note=note or f"assigned to {agent.username}"
    )
    conv.assigned_to = agent.id
    conv.assigned_at = utc_now()
    conv.acknowledged_at = conv.assigned_at if acknowledged else None
    if not acknowledged:
        agent.last_offer_at = conv.assigned_at
    await session.commit()
    hub.publish_conversation(conv)
    events.publish(
        hub.broker,
        events.user(agent.id),
        events.AssignedFrame(type="assigned", conversation_id=conv.id, needs_ack=not acknowledged),
    )
    if acknowledged:
        await agent_joined(hub, session, conv, agent)


async def agent_joined(hub: Hub, session: AsyncSession, conv: Conversation, agent: User) -> None:
    if conv.agent_joined_at is None:
        conv.agent_joined_at = utc_now()
    await hub.send(
        session, conv, "system", t("agent_joined", conv.language, agent=agent.display_name)
    )
    await session.commit()


async def auto_assign(hub: Hub, session: AsyncSession) -> int:
    """Make the offers the routing rules call for now; returns how many."""
    now = utc_now()
    settings = hub.settings
    rules = routing.Rules.from_settings(settings)
    waiting, agents, users = await snapshot(session, settings, now)
    by_id = {c.id: c for c in waiting}
    items = [waiting_item(c, settings) for c in waiting]
    offers = routing.route(items, agents, now.timestamp(), rules)
    for conv_id, agent_id in offers:
        await assign(
            hub, session, by_id[conv_id], users[agent_id], actor="router", acknowledged=False
        )
    return len(offers)


async def return_to_queue(
    hub: Hub,
    session: AsyncSession,
    conv: Conversation,
    stored_note: dict[str, Any],
    *,
    missed: bool,
) -> None:
    """An offer (or an abandoned conversation) goes back to the queue at its original place
    (``waiting_since`` is kept) with a note for the next agent. A missed offer cools its
    agent down for this conversation and counts against them on the supervisor's page."""
    context = dict(conv.context or {})
    context["transfer_notes"] = [*context.get("transfer_notes", []), stored_note]
    if missed and conv.assigned_to is not None:
        missed_by = dict(context.get("missed_by") or {})
        missed_by[str(conv.assigned_to)] = utc_now().timestamp()
        context["missed_by"] = missed_by
        agent = await session.get(User, conv.assigned_to)
        if agent is not None:
            agent.missed_offers = (agent.missed_offers or 0) + 1
    conv.context = context
    # Being returned is not urgency: "urgent" is the customer's situation, not an agent's.
    await hub.transition(
        session, conv, states.WAITING, actor="router", note=notes.note_text(stored_note, "en")
    )
    conv.assigned_to = None
    conv.assigned_at = None
    conv.acknowledged_at = None
    await session.commit()
    hub.publish_conversation(conv)


async def decline(hub: Hub, conv_id: int, agent: User) -> Conversation:
    """The offered agent declines: the conversation goes to the next eligible agent."""
    async with hub.db.session() as session:
        conv = await session.get(Conversation, conv_id, with_for_update=True)
        if conv is None:
            raise LookupError(conv_id)
        if (
            conv.state != states.ASSIGNED
            or conv.assigned_to != agent.id
            or conv.acknowledged_at is not None
        ):
            raise PermissionError("Only an open offer to you can be declined.")
        stored = notes.note("declined", agent=agent.username)
        await return_to_queue(hub, session, conv, stored, missed=True)
        await auto_assign(hub, session)
        return conv


def ack_timeout_s(settings: Any, priority: int) -> float:
    if priority >= routing.URGENT:
        return float(min(settings.ack_timeout_s, settings.routing_urgent_ack_timeout_s))
    return float(settings.ack_timeout_s)


async def requeue_unacknowledged(hub: Hub) -> int:
    """Offers not acknowledged in time go back to the queue, at their place, with a note.
    Urgent offers have the shorter of the two time-outs."""
    now = utc_now()
    moved = 0
    async with hub.db.session() as session:
        stale = (
            await session.scalars(
                select(Conversation).where(
                    Conversation.state == states.ASSIGNED, Conversation.acknowledged_at.is_(None)
                )
            )
        ).all()
        for conv in stale:
            timeout_s = ack_timeout_s(hub.settings, conv.priority)
            offered_at = aware(conv.assigned_at)
            if offered_at is None or now - offered_at < timedelta(seconds=timeout_s):
                continue
            agent = await session.get(User, conv.assigned_to) if conv.assigned_to else None
            stored = notes.note(
                "ack_timeout", agent=agent.username if agent else "?", seconds=round(timeout_s)
            )
            await return_to_queue(hub, session, conv, stored, missed=True)
            moved += 1
        if moved:
            await auto_assign(hub, session)
    return moved


async def return_from_absent(hub: Hub) -> int:
    """An agent who is away or offline: their offers return to the queue at once; their
    acknowledged conversations whose customer waits for an answer return once the agent
    has been gone ``routing_away_grace_s``."""
    now = utc_now()
    settings = hub.settings
    grace = timedelta(seconds=settings.routing_away_grace_s)
    moved = 0
    async with hub.db.session() as session:
        rows = (
            await session.execute(
                select(Conversation, User)
                .join(User, User.id == Conversation.assigned_to)
                .where(Conversation.state == states.ASSIGNED)
            )
        ).all()
        for conv, agent in rows:
            if present(agent, now, settings.presence_timeout_s):
                continue
            # Only what they held while present (their last check-in within the presence
            # time-out of the offer): a transfer or a supervisor's assignment to someone
            # long away waits for them, and the acknowledgement time-out decides.
            gone_since, offered_at = aware(agent.last_seen_at), aware(conv.assigned_at)
            if gone_since is None or offered_at is None:
                continue
            if offered_at > gone_since + timedelta(seconds=settings.presence_timeout_s):
                continue
            if conv.acknowledged_at is not None:
                if now - gone_since < grace:
                    continue
                last_sender = await session.scalar(
                    select(Message.sender)
                    .where(Message.conversation_id == conv.id, Message.sender != "system")
                    .order_by(Message.seq.desc())
                    .limit(1)
                )
                if last_sender == "agent":
                    continue  # answered: the customer is not waiting on the agent
            stored = notes.note("away_return", agent=agent.username)
            await return_to_queue(hub, session, conv, stored, missed=False)
            moved += 1
        if moved:
            await auto_assign(hub, session)
    return moved


def class_name(priority: int) -> str:
    return routing.CLASS_NAMES.get(min(max(priority, 0), routing.URGENT), "normal")


async def alert_service_levels(hub: Hub) -> int:
    """A waiting conversation past its class's target wait raises one live alert."""
    now = utc_now()
    targets = hub.settings.routing_service_level_s
    raised = 0
    async with hub.db.session() as session:
        rows = (
            await session.scalars(select(Conversation).where(Conversation.state == states.WAITING))
        ).all()
        published = []
        for conv in rows:
            since = aware(conv.waiting_since)
            target = targets.get(class_name(conv.priority))
            context = dict(conv.context or {})
            if since is None or target is None or context.get("service_level_alerted"):
                continue
            waited = (now - since).total_seconds()
            if waited <= target:
                continue
            context["service_level_alerted"] = True
            conv.context = context
            text_ = (
                f"Conversation {conv.id} ({class_name(conv.priority)}) has waited "
                f"{round(waited)} s, past its target of {round(target)} s."
            )
            session.add(
                Alert(
                    kind="service_level", audience="supervisor", conversation_id=conv.id, text=text_
                )
            )
            published.append(events.alert_frame("service_level", text_, conversation_id=conv.id))
            raised += 1
        await session.commit()
    for frame in published:
        events.publish(hub.broker, events.SUPERVISORS, frame)
    return raised


async def tick(hub: Hub) -> None:
    """The routing duties of the scheduler's tick."""
    await return_from_absent(hub)
    await requeue_unacknowledged(hub)
    await alert_service_levels(hub)
    async with hub.db.session() as session:
        # Offers whose conditions changed with time alone: a cool-down ended, an overflow
        # began, an agent's conversation ended elsewhere.
        await auto_assign(hub, session)
