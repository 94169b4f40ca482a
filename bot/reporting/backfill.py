"""Back-fill: reporting for history stored before reporting existed (a database upgraded
to this version, or rows written around the ORM). Each conversation without reporting
facts is replayed through the same formulas the listener uses; suggestion, offer and
call-back rows older than the first reporting event are counted once.

What history cannot tell is approximated and said so: every event of a replayed
conversation goes to the agent it was last assigned to, and its survey answers are
dated at its resolution. Running it again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select

from bot.reporting import timeline as tl
from bot.reporting.models import ReportingConversation, ReportingEvent
from bot.reporting.recorder import Aggregates, aware, flush_aggregates, save_facts
from bot.store.models import (
    Callback,
    Conversation,
    ConversationEvent,
    Message,
    OfferEvent,
    SuggestionEvent,
)

_t = {
    m.__name__: m.__table__  # type: ignore[attr-defined]
    for m in (Conversation, Message, ConversationEvent, Callback, SuggestionEvent, OfferEvent)
}


def _table(name: str) -> Table:
    return cast(Table, _t[name])


def _at(value: Any) -> datetime:
    """A stored, required timestamp as an aware datetime."""
    at = aware(value)
    assert at is not None
    return at


def _replay(
    conv: Any, messages: list[Any], events: list[Any], booked: bool, agg: Aggregates
) -> tl.Facts:
    f = tl.Facts(
        conversation_id=conv.id,
        channel=conv.channel,
        channel_key=conv.channel_key,
        customer_id=conv.customer_id,
        language=conv.language or "vi",
        reason=conv.handoff_reason,
        intent=tl.topic_intent((conv.context or {}).get("intents")),
        agent_id=conv.assigned_to,
        callback=booked,
    )
    created = _at(conv.created_at)
    steps: list[tuple[datetime, int, Any]] = [(created, 0, partial(tl.created, at=created))]
    for m in messages:
        if m.sender in ("customer", "bot", "agent"):
            at = _at(m.created_at)
            steps.append((at, 2, partial(tl.message, at=at, sender=m.sender, agent_id=m.agent_id)))
    for e in events:
        at = _at(e.created_at)
        if e.kind == "state" and e.to_state:
            step = partial(tl.state_change, at=at, frm=e.from_state, to=e.to_state, actor=e.actor)
            steps.append((at, 1, step))
        elif e.kind == "transfer":
            steps.append((at, 1, partial(tl.transfer, at=at)))
    if conv.agent_joined_at is not None:
        at = _at(conv.agent_joined_at)
        steps.append((at, 1, partial(tl.joined, at=at, agent_id=conv.assigned_to)))
    done = aware(conv.resolved_at) or created
    if conv.csat is not None:
        steps.append((done, 3, partial(tl.csat, at=done, score=conv.csat)))
    if conv.nps is not None:
        steps.append((done, 3, partial(tl.nps, at=done, score=conv.nps)))
    for _when, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        for ev in step(f):
            agg.add(ev, f, conv.id)
    if f.nps_state == "answered":
        f.nps_state = "done"  # no comment invitation for old history
    if conv.state in ("resolved", "closed") and f.ended_at is None:
        f.ended_at = done
    f.state = conv.state
    return f


def backfill(conn: Connection, batch: int = 500) -> dict[str, int]:
    """Replay what reporting has not seen; returns how many rows of each kind it counted."""
    facts_t = ReportingConversation.__table__
    convs_t, msgs_t, evs_t = _table("Conversation"), _table("Message"), _table("ConversationEvent")
    cbs_t = _table("Callback")
    first_event = conn.scalar(select(func.min(ReportingEvent.__table__.c.created_at)))
    counted = {"conversations": 0, "callbacks": 0, "suggestions": 0, "offers": 0}
    missing = conn.scalars(
        select(convs_t.c.id)
        .where(
            ~select(facts_t.c.conversation_id)
            .where(facts_t.c.conversation_id == convs_t.c.id)
            .exists()
        )
        .order_by(convs_t.c.id)
    ).all()
    for start in range(0, len(missing), batch):
        ids = missing[start : start + batch]
        agg = Aggregates()
        convs = conn.execute(select(convs_t).where(convs_t.c.id.in_(ids))).all()
        messages: dict[int, list[Any]] = defaultdict(list)
        for m in conn.execute(
            select(
                msgs_t.c.conversation_id, msgs_t.c.sender, msgs_t.c.agent_id, msgs_t.c.created_at
            )
            .where(msgs_t.c.conversation_id.in_(ids))
            .order_by(msgs_t.c.conversation_id, msgs_t.c.seq)
        ):
            messages[m.conversation_id].append(m)
        events: dict[int, list[Any]] = defaultdict(list)
        for e in conn.execute(
            select(evs_t).where(evs_t.c.conversation_id.in_(ids)).order_by(evs_t.c.id)
        ):
            events[e.conversation_id].append(e)
        booked = set(
            conn.scalars(select(cbs_t.c.conversation_id).where(cbs_t.c.conversation_id.in_(ids)))
        )
        facts = [_replay(c, messages[c.id], events[c.id], c.id in booked, agg) for c in convs]
        save_facts(conn, facts, {f.conversation_id for f in facts})
        flush_aggregates(conn, agg)
        counted["conversations"] += len(facts)

    # Rows that carry no conversation facts: only those older than reporting itself.
    agg = Aggregates()
    older = (lambda c: c < first_event) if first_event is not None else (lambda c: True)  # noqa: E731
    for cb in conn.execute(select(cbs_t)):
        if not older(cb.created_at):
            continue
        agg.add(
            tl.Event("callbacks_scheduled", _at(cb.created_at), agent_id=cb.owner_id),
            None,
            cb.conversation_id,
        )
        if cb.status == "done":
            at = _at(cb.done_at or cb.created_at)
            agg.add(tl.Event("callbacks_kept", at, agent_id=cb.owner_id), None, cb.conversation_id)
        elif cb.status == "missed":
            name = "callbacks_overdue" if cb.escalated_at else "callbacks_missed"
            at = _at(cb.escalated_at or cb.created_at)
            agg.add(tl.Event(name, at, agent_id=cb.owner_id), None, cb.conversation_id)
        counted["callbacks"] += 1
    for name, table, column in (
        ("suggestions", _table("SuggestionEvent"), "event"),
        ("offers", _table("OfferEvent"), "outcome"),
    ):
        prefix = "suggestion_" if name == "suggestions" else "offer_"
        for row in conn.execute(select(table)):
            if not older(row.created_at):
                continue
            event = tl.Event(
                prefix + getattr(row, column), _at(row.created_at), agent_id=row.agent_id
            )
            agg.add(event, None, row.conversation_id)
            counted[name] += 1
    flush_aggregates(conn, agg)
    return counted
