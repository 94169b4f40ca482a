"""Reporting from model events: a session listener turns what the hub stores (messages,
conversation events, conversation and call-back changes, suggestion and offer feedback)
into reporting events and aggregates, in the same transaction.

Nothing in the hub calls into reporting: whichever code path stores a row, the listener
sees it at flush time. ``install(db)`` makes a Database's sessions carry the listener;
reporting's setup installs it on the hub's database.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from bot.reporting import timeline
from bot.reporting.models import ReportingConversation
from bot.reporting.recorder import Aggregates, aware, flush_aggregates, load_facts, save_facts
from bot.reporting.timeline import Event, Facts, Policy
from bot.store import states
from bot.store.db import Database
from bot.store.models import (
    Callback,
    Conversation,
    ConversationEvent,
    Message,
    OfferEvent,
    SuggestionEvent,
)
from bot.store.times import utc_now

log = logging.getLogger(__name__)
policy = Policy()
_facts = ReportingConversation.__table__
_conversations = Conversation.__table__

# Observation groups, applied in this order within one flush: the hand-off reason before the
# state move that counts the hand-off, assignments before messages, surveys last.
REASON, STATE, ASSIGN, MESSAGE, SURVEY = range(5)
Step = Callable[[Facts], list[Event]]


class ReportingSession(Session):
    """The hub's session class: an ordinary Session that carries the reporting listener."""


def install(db: Database) -> None:
    """Give a Database's sessions the reporting listener. Reporting's setup calls it for the
    hub's database (bot/reporting/setup.py), and so does anything else that writes what
    reports count (the demo seed); the store itself knows nothing of reporting."""
    db.sessionmaker.configure(sync_session_class=ReportingSession)


def configure(settings: Any) -> None:
    """Take the definitions' thresholds from the hub's settings."""
    policy.abandon_after_s = settings.reporting_abandon_after_s
    policy.bot_idle_s = settings.reporting_bot_idle_s
    policy.survey_window_s = settings.reporting_survey_window_s


def _history(obj: Any, name: str) -> tuple[list[Any], list[Any]]:
    hist = inspect(obj).attrs[name].history
    return list(hist.added or ()), [v for v in (hist.deleted or ()) if v is not None]


# -- surveys: one answer per conversation, late answers within the window ------------------
@event.listens_for(ReportingSession, "before_flush")
def _enforce_surveys(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    now = utc_now()
    window = timedelta(seconds=policy.survey_window_s)
    for obj in list(session.dirty):
        if not isinstance(obj, Conversation):
            continue
        for name in ("csat", "nps"):
            added, old = _history(obj, name)
            if not added or added[0] is None:
                continue
            if old:  # the first answer stands
                setattr(obj, name, old[0])
                continue
            opened = aware(obj.resolved_at)
            if name == "nps":
                asked = session.connection().scalar(
                    select(_facts.c.nps_asked_at).where(_facts.c.conversation_id == obj.id)
                )
                if asked is not None:
                    opened = max(aware(asked), opened or aware(asked))  # type: ignore[type-var]
            if opened is None or now - opened > window:
                setattr(obj, name, None)


# -- observations -----------------------------------------------------------------------
def _collect(
    session: Session,
) -> tuple[
    dict[int, list[tuple[int, datetime, int, Step]]],
    list[tuple[Event, int | None]],
    dict[int, Conversation],
]:
    now = utc_now()
    steps: dict[int, list[tuple[int, datetime, int, Step]]] = defaultdict(list)
    loose: list[tuple[Event, int | None]] = []
    new_convs: dict[int, Conversation] = {}

    def add(conv_id: int, group: int, at: datetime | None, order: int, step: Step) -> None:
        steps[conv_id].append((group, aware(at) or now, order, step))

    for obj in session.new:
        if isinstance(obj, Conversation):
            new_convs[obj.id] = obj
            at = aware(obj.created_at) or now
            add(obj.id, REASON, at, 0, partial(timeline.created, at=at))
            # Rows written with their history (demo data, imports) carry their scores.
            done = aware(obj.resolved_at) or at
            if obj.csat is not None:
                add(obj.id, SURVEY, done, 0, partial(timeline.csat, at=done, score=obj.csat))
            if obj.nps is not None:
                add(obj.id, SURVEY, done, 1, partial(timeline.nps, at=done, score=obj.nps))
        elif isinstance(obj, Message):
            if obj.sender in ("customer", "bot", "agent"):
                at = aware(obj.created_at) or now
                add(
                    obj.conversation_id,
                    MESSAGE,
                    at,
                    obj.seq or 0,
                    partial(timeline.message, at=at, sender=obj.sender, agent_id=obj.agent_id),
                )
        elif isinstance(obj, ConversationEvent):
            at = aware(obj.created_at) or now
            if obj.kind == "state" and obj.to_state:
                add(
                    obj.conversation_id,
                    STATE,
                    at,
                    obj.id,
                    partial(
                        timeline.state_change,
                        at=at,
                        frm=obj.from_state,
                        to=obj.to_state,
                        actor=obj.actor,
                    ),
                )
            elif obj.kind == "transfer":
                add(
                    obj.conversation_id,
                    STATE,
                    at,
                    obj.id,
                    partial(timeline.transfer, at=at),
                )
        elif isinstance(obj, Callback):
            at = aware(obj.created_at) or now
            loose.append((Event("callbacks_scheduled", at, agent_id=obj.owner_id), None))
            if obj.conversation_id is not None:
                add(obj.conversation_id, ASSIGN, at, 0, timeline.callback_booked)
        elif isinstance(obj, SuggestionEvent):
            at = aware(obj.created_at) or now
            loose.append((Event(f"suggestion_{obj.event}", at, agent_id=obj.agent_id), None))
        elif isinstance(obj, OfferEvent):
            at = aware(obj.created_at) or now
            loose.append((Event(f"offer_{obj.outcome}", at, agent_id=obj.agent_id), None))

    for obj in session.dirty:
        if isinstance(obj, Conversation):
            _conversation_changes(obj, add, now)
        elif isinstance(obj, Callback):
            added, _old = _history(obj, "status")
            if added and added[0] in ("done", "missed"):
                name = "callbacks_kept" if added[0] == "done" else "callbacks_missed"
                if added[0] == "missed" and obj.escalated_at is not None:
                    name = "callbacks_overdue"  # the window passed and nobody called
                loose.append((Event(name, now, agent_id=obj.owner_id), None))
    return steps, loose, new_convs


def _conversation_changes(conv: Conversation, add: Callable[..., None], now: datetime) -> None:
    added, _ = _history(conv, "handoff_reason")
    if added and added[0]:
        intent = timeline.topic_intent((conv.context or {}).get("intents"))
        add(conv.id, REASON, now, 0, partial(timeline.set_reason, reason=added[0], intent=intent))
    added, _ = _history(conv, "language")
    if added and added[0]:
        add(conv.id, REASON, now, 1, partial(timeline.set_language, language=added[0]))
    added, _ = _history(conv, "assigned_to")
    if added and added[0] is not None:
        add(conv.id, ASSIGN, now, 0, partial(timeline.assigned, agent_id=added[0]))
    added, old = _history(conv, "agent_joined_at")
    if added and added[0] is not None and not old:
        at = aware(added[0]) or now
        add(conv.id, ASSIGN, at, 1, partial(timeline.joined, at=at, agent_id=conv.assigned_to))
    added, old = _history(conv, "acknowledged_at")
    if added and added[0] is not None and not old and conv.agent_joined_at is not None:
        # An acknowledged transfer: the conversation is now in this agent's hands.
        add(conv.id, ASSIGN, now, 2, partial(timeline.assigned, agent_id=conv.assigned_to))
    for name, step in (("csat", timeline.csat), ("nps", timeline.nps)):
        added, old = _history(conv, name)
        if added and added[0] is not None and not old:
            add(conv.id, SURVEY, now, 0, partial(step, at=now, score=added[0]))


def _new_facts(
    conn: Any, conv_ids: set[int], new_convs: dict[int, Conversation]
) -> dict[int, Facts]:
    """Facts for conversations seen for the first time (new, or older than reporting)."""
    made: dict[int, Facts] = {}
    missing = conv_ids - set(new_convs)
    rows = (
        conn.execute(select(_conversations).where(_conversations.c.id.in_(missing))).all()
        if missing
        else []
    )
    sources: list[Any] = [*(new_convs[i] for i in conv_ids & set(new_convs)), *rows]
    for c in sources:
        made[c.id] = Facts(
            conversation_id=c.id,
            channel=c.channel,
            channel_key=c.channel_key,
            customer_id=c.customer_id,
            language=c.language or "vi",
            reason=c.handoff_reason,
            intent=timeline.topic_intent((c.context or {}).get("intents")),
            state=c.state or states.BOT,
            created_at=aware(c.created_at),
        )
        if c.state in (states.RESOLVED, states.CLOSED):  # stored already finished (history)
            made[c.id].ended_at = aware(c.resolved_at) or aware(c.created_at)
    return made


@event.listens_for(ReportingSession, "after_flush")
def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    steps, loose, new_convs = _collect(session)
    if not steps and not loose:
        return
    conn = session.connection()
    facts = load_facts(conn, steps)
    fresh = _new_facts(conn, set(steps) - set(facts), new_convs)
    facts.update(fresh)
    agg = Aggregates()
    for conv_id, items in steps.items():
        f = facts.get(conv_id)
        if f is None:
            continue
        for _group, _at, _order, step in sorted(items, key=lambda s: (s[0], s[1], s[2])):
            for ev in step(f):
                # A conversation opened by a survey comment (stored before surveys held
                # the thread: bot.reporting.surveys) is not a request for help.
                if not f.survey_comment:
                    agg.add(ev, f, conv_id)
            if f.nps_state == "answered" and f.comment_deadline is None and f.nps_at:
                f.comment_deadline = f.nps_at + timedelta(seconds=policy.survey_window_s)
    for ev, loose_conv_id in loose:
        agg.add(ev, None, loose_conv_id)
    save_facts(conn, facts.values(), set(fresh))
    flush_aggregates(conn, agg)
