"""The live wall: who is on, the queue now, and service-level breaches happening now.
It reads current state only (open conversations, presence, call-backs), never history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reporting.models import ReportingConversation as RC
from bot.reporting.recorder import aware
from bot.store import states
from bot.store.models import Callback, Conversation, User
from bot.store.times import utc_now

AWAY_WITHIN = timedelta(hours=1)  # presence off but seen this recently: away, not gone
# Priority classes as routing names them (bot.handoff.routing; reporting only observes).
CLASS_NAMES = {2: "urgent", 1: "high", 0: "normal"}


async def wall(session: AsyncSession, settings: Any, now: datetime | None = None) -> dict[str, Any]:
    now = now or utc_now()
    users = (
        await session.scalars(
            select(User).where(User.role.in_(("agent", "supervisor"))).order_by(User.id)
        )
    ).all()
    loads = dict(
        (
            await session.execute(
                select(Conversation.assigned_to, func.count())
                .where(Conversation.state == states.ASSIGNED)
                .group_by(Conversation.assigned_to)
            )
        ).all()
    )
    agents = []
    for u in users:
        load = int(loads.get(u.id, 0))
        seen = aware(u.last_seen_at)
        if u.online:
            status = "busy" if load else "available"
        elif load or (seen is not None and now - seen <= AWAY_WITHIN):
            status = "away"
        else:
            status = "offline"
        agents.append(
            {"id": u.id, "name": u.display_name, "role": u.role, "status": status, "open": load}
        )
    counts = {s: sum(1 for a in agents if a["status"] == s) for s in ("available", "busy", "away")}

    waiting = (
        await session.scalars(select(Conversation).where(Conversation.state == states.WAITING))
    ).all()
    waits: list[tuple[Conversation, float]] = []
    for c in waiting:
        since = aware(c.waiting_since)
        if since is not None:
            waits.append((c, (now - since).total_seconds()))
    breaches: list[dict[str, Any]] = []
    targets = settings.routing_service_level_s
    for conv, seconds in waits:
        if seconds > settings.reporting_sla_wait_s:
            breaches.append({"kind": "wait", "conversation_id": conv.id, "seconds": round(seconds)})
        # The routing target of the conversation's class (urgent, high, normal), as it happens.
        cls = CLASS_NAMES.get(min(max(conv.priority, 0), 2), "normal")
        if cls in targets and seconds > targets[cls]:
            breaches.append(
                {
                    "kind": "service_level",
                    "priority": cls,
                    "conversation_id": conv.id,
                    "seconds": round(seconds),
                    "target_s": round(targets[cls]),
                }
            )
    unacked = (
        await session.scalars(
            select(Conversation).where(
                Conversation.state == states.ASSIGNED, Conversation.acknowledged_at.is_(None)
            )
        )
    ).all()
    for conv in unacked:
        seconds = (now - aware(conv.assigned_at)).total_seconds() if conv.assigned_at else 0.0  # type: ignore[operator]
        if seconds > settings.ack_timeout_s:
            breaches.append(
                {"kind": "unacknowledged", "conversation_id": conv.id, "seconds": round(seconds)}
            )
    unanswered = (
        await session.execute(
            select(RC.conversation_id, RC.agent_waiting_since).where(
                RC.state == states.ASSIGNED,
                RC.agent_waiting_since < now - timedelta(seconds=settings.reporting_sla_reply_s),
            )
        )
    ).all()
    for conv_id, since in unanswered:
        seconds = (now - aware(since)).total_seconds()  # type: ignore[operator]
        breaches.append({"kind": "reply", "conversation_id": conv_id, "seconds": round(seconds)})
    overdue = (
        await session.scalars(
            select(Callback).where(
                or_(
                    and_(Callback.status == "scheduled", Callback.window_end < now),
                    # The scheduler escalates an overdue call-back at once: still a breach
                    # until someone deals with it (marks it done or reschedules it).
                    and_(
                        Callback.status == "missed", Callback.escalated_at >= now - AWAY_WITHIN * 24
                    ),
                )
            )
        )
    ).all()
    for cb in overdue:
        seconds = (now - aware(cb.window_end)).total_seconds()  # type: ignore[operator]
        breaches.append(
            {
                "kind": "callback_overdue",
                "conversation_id": cb.conversation_id,
                "seconds": round(seconds),
            }
        )
    breaches.sort(key=lambda b: -b["seconds"])
    return {
        "channels": await _by_channel(session, waits),
        "at": now.isoformat(),
        "agents": agents,
        "agents_available": counts["available"],
        "agents_busy": counts["busy"],
        "agents_away": counts["away"],
        "queue_length": len(waiting),
        "longest_wait_s": round(max((s for _, s in waits), default=0.0)),
        "breaches": breaches,
    }


async def _by_channel(
    session: AsyncSession, waits: list[tuple[Conversation, float]]
) -> list[dict[str, Any]]:
    """Per channel (web, telegram, zalo, messenger): customers waiting, conversations with
    people, and the longest wait now; a channel with nobody in it is left out."""
    assigned = dict(
        (
            await session.execute(
                select(Conversation.channel, func.count())
                .where(Conversation.state == states.ASSIGNED)
                .group_by(Conversation.channel)
            )
        ).all()
    )
    rows: dict[str, dict[str, Any]] = {
        str(ch): {"channel": str(ch), "waiting": 0, "assigned": int(n), "longest_wait_s": 0}
        for ch, n in assigned.items()
    }
    for conv, seconds in waits:
        row = rows.setdefault(
            conv.channel,
            {"channel": conv.channel, "waiting": 0, "assigned": 0, "longest_wait_s": 0},
        )
        row["waiting"] += 1
        row["longest_wait_s"] = max(row["longest_wait_s"], round(seconds))
    return sorted(rows.values(), key=lambda r: (-r["waiting"], -r["assigned"], r["channel"]))
