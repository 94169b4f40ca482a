"""The human queue: hand-off, claim, assignment with acknowledgement, transfer and resolve.

Invariant: a conversation out of bot mode is always either waiting in the queue (owned by
its team) or assigned to one agent; requeues and transfers keep it that way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.copilot import summary_store as copilot_store
from bot.copilot import wrapup_store
from bot.handoff import places, urgency

# The API and the scheduler reach assignment through this module.
from bot.handoff.dispatch import (  # noqa: F401
    agent_joined,
    assign,
    auto_assign,
    requeue_unacknowledged,
)
from bot.i18n.texts import text as t
from bot.realtime import events
from bot.reporting.survey_answers import CSAT_BUTTONS
from bot.store import states
from bot.store.models import Alert, Conversation, Message, User
from bot.store.times import utc_now

if TYPE_CHECKING:
    from bot.core import Core as Hub

RECENT_TEXTS = 5  # customer messages read back at hand-off for the urgency rules


class QueueError(Exception):
    """A queue operation that cannot be done (wrong owner, not found...)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def transcript(session: AsyncSession, conv_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conv_id).order_by(Message.seq)
    )
    return [{"seq": m.seq, "sender": m.sender, "text": m.text} for m in rows]


async def hand_off(
    hub: Hub,
    session: AsyncSession,
    conv: Conversation,
    packet: dict[str, Any],
    *,
    reply_to: int | None = None,
) -> None:
    """Queue a bot conversation for a human with its context packet; commits. The caller
    then calls ``places.settle_hand_off`` (the customer told their place, the offers made) once
    its own transaction has committed.

    ``reply_to`` is the customer message that led here: the messages sent about the queue
    are its replies (the widget's HTTP fallback returns them)."""
    if conv.state != states.BOT:
        return
    reason = str(packet.get("reason") or "customer_request")
    context = dict(conv.context or {})
    context.update(
        {
            "customer_id": packet.get("customer_id") or conv.customer_id,
            "language": packet.get("language") or conv.language,
            "intents": list(packet.get("intents") or []),
            "slots": dict(packet.get("slots") or {}),
            "failed_turns": list(packet.get("failed_turns") or []),
            "problem": list(packet.get("problem") or []),
            "form": packet.get("form"),
            "form_slots": dict(packet.get("form_slots") or {}),
            "reason": reason,
        }
    )
    if packet.get("text"):
        context["customer_texts"] = [*context.get("customer_texts", []), str(packet["text"])][-5:]
    context.setdefault("transfer_notes", [])
    if not conv.customer_id and packet.get("customer_id"):
        conv.customer_id = str(packet["customer_id"])
    conv.context = context
    conv.handoff_reason = reason
    conv.waiting_since = utc_now()
    # Priority comes from rules about the customer's situation, never from requeues. The
    # customer's own latest words decide whether the bot's "frustrated" verdict stands.
    recent = (
        await session.scalars(
            select(Message.text)
            .where(Message.conversation_id == conv.id, Message.direction == "in")
            .order_by(Message.seq.desc())
            .limit(RECENT_TEXTS)
        )
    ).all()
    level, why = urgency.assess(hub.settings, context, reason, list(reversed(recent)))
    conv.priority = max(conv.priority, level)
    if why:
        context["urgent_because"] = why
        conv.context = dict(context)
    await hub.transition(session, conv, states.WAITING, actor="bot", note=reason)
    # The agent's summary commits with the move into the queue and is pushed after it.
    await copilot_store.refresh(hub, session, conv, "handoff")
    hub.publish_after_commit(session, conv)
    # The customer's place and wait are told after this commit (``places.settle_hand_off``): the
    # forecast reads the whole queue and plays it out, which the write lock need not wait
    # for. The promise to tell commits with the move, so a crash before the telling leaves
    # it for the scheduler (``bot.handoff.scheduler``), and the scheduler never tells a
    # customer the caller is about to tell.
    places.promise_position(conv, first=True, reply_to=reply_to)
    await session.commit()


async def load(session: AsyncSession, conv_id: int, *, lock: bool = False) -> Conversation:
    conv = await session.get(Conversation, conv_id, with_for_update=lock or None)
    if conv is None:
        raise QueueError(404, f"Conversation {conv_id} does not exist.")
    return conv


async def claim(hub: Hub, conv_id: int, agent: User) -> Conversation:
    """An agent takes a waiting conversation; claiming is also acknowledging."""
    async with hub.db.session() as session:
        # The row lock (PostgreSQL; SQLite's write lock is taken at BEGIN) makes two
        # agents claiming at once see each other's claim: one wins, the other gets 409.
        conv = await load(session, conv_id, lock=True)
        if conv.state == states.ASSIGNED and conv.assigned_to == agent.id:
            await session.commit()
            return await acknowledge(hub, conv_id, agent)
        if conv.state != states.WAITING:
            raise QueueError(409, f"Conversation {conv_id} is '{conv.state}', not waiting.")
        await assign(
            hub, session, conv, agent, actor=agent.username, acknowledged=True, note="claimed"
        )
        return conv


async def acknowledge(hub: Hub, conv_id: int, agent: User) -> Conversation:
    async with hub.db.session() as session:
        conv = await load(session, conv_id)
        if conv.state != states.ASSIGNED or conv.assigned_to != agent.id:
            raise QueueError(409, "Only the assigned agent can acknowledge this conversation.")
        if conv.acknowledged_at is None:
            conv.acknowledged_at = utc_now()
            await hub.record_event(session, conv, "acknowledged", actor=agent.username)
            await session.commit()
            hub.publish_conversation(conv)
            await agent_joined(hub, session, conv, agent)
        return conv


async def transfer(
    hub: Hub,
    conv_id: int,
    agent: User,
    note: str,
    to_agent: str | None = None,
    to_team: str | None = None,
) -> Conversation:
    if not note.strip():
        raise QueueError(422, "A transfer needs a note for the next person.")
    async with hub.db.session() as session:
        conv = await load(session, conv_id)
        if conv.state != states.ASSIGNED or (
            conv.assigned_to != agent.id and agent.role != "supervisor"
        ):
            raise QueueError(
                409, "Only the assigned agent or a supervisor can transfer this conversation."
            )
        conv.transfer_count += 1
        context = dict(conv.context or {})
        entry = f"{agent.display_name}: {note.strip()}"
        context["transfer_notes"] = [*context.get("transfer_notes", []), entry]
        context.pop("missed_by", None)  # a transfer starts its offers afresh
        conv.context = context
        if conv.transfer_count > hub.settings.transfer_cap:
            text_ = (
                f"Conversation {conv.id} has been transferred {conv.transfer_count} times "
                f"(cap {hub.settings.transfer_cap})."
            )
            session.add(
                Alert(
                    kind="transfer_cap", audience="supervisor", conversation_id=conv.id, text=text_
                )
            )
            conv.priority += 1
            frame = events.alert_frame("transfer_cap", text_, conversation_id=conv.id)
            events.publish(hub.broker, events.SUPERVISORS, frame)
        await hub.record_event(
            session,
            conv,
            "transfer",
            actor=agent.username,
            note=note,
            data={"to_agent": to_agent, "to_team": to_team},
        )
        await copilot_store.refresh(hub, session, conv, "transfer")
        if to_agent:
            target = await session.scalar(select(User).where(User.username == to_agent))
            if target is None:
                raise QueueError(404, f"No agent named {to_agent!r}.")
            await assign(
                hub,
                session,
                conv,
                target,
                actor=agent.username,
                acknowledged=False,
                note=f"transfer: {note}",
            )
        else:
            conv.team = to_team or conv.team
            conv.assigned_to = None
            conv.waiting_since = utc_now()
            await hub.transition(
                session, conv, states.WAITING, actor=agent.username, note=f"transfer: {note}"
            )
            await session.commit()
            hub.publish_conversation(conv)
        await hub.send(session, conv, "system", t("transferred", conv.language))
        await session.commit()
        if not to_agent:
            await auto_assign(hub, session)
        return conv


async def agent_message(hub: Hub, conv_id: int, agent: User, body: str) -> dict[str, Any]:
    async with hub.db.session() as session:
        conv = await load(session, conv_id)
        if conv.state != states.ASSIGNED or conv.assigned_to != agent.id:
            raise QueueError(409, "Claim or acknowledge the conversation before replying.")
        if conv.acknowledged_at is None:
            conv.acknowledged_at = utc_now()
        out = await hub.send(session, conv, "agent", body, agent=agent)
        await session.commit()
        return out


async def resolve(hub: Hub, conv_id: int, agent: User, code: str) -> Conversation:
    async with hub.db.session() as session:
        conv = await load(session, conv_id)
        if (
            conv.state == states.ASSIGNED
            and conv.assigned_to != agent.id
            and agent.role != "supervisor"
        ):
            raise QueueError(
                409, "Only the assigned agent or a supervisor can resolve this conversation."
            )
        try:
            await wrapup_store.check_code(session, code)
        except wrapup_store.WrapupError as exc:
            raise QueueError(exc.status, exc.detail) from exc
        # What was suggested and what was chosen, for the ranker to learn from.
        await wrapup_store.record_choice(session, conv, agent.id, code)
        await hub.transition(session, conv, states.RESOLVED, actor=agent.username, note=code)
        conv.resolution_code = code
        conv.resolved_at = utc_now()
        await session.commit()
        hub.publish_conversation(conv)
        await hub.send(session, conv, "system", t("resolved", conv.language), buttons=CSAT_BUTTONS)
        await session.commit()
        return conv
