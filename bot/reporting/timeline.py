"""The measures' formulas, as pure steps over one conversation's timeline.

Each step takes the conversation's running facts and one thing that happened, updates the
facts, and returns the reporting events it produces. The database listener and the
benchmark's history generator both drive these steps, and the unit tests drive them on
hand-built timelines, so there is one definition of every measure (see docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.store import states


@dataclass
class Facts:
    """Running facts of one conversation (mirrors ``reporting_conversations``)."""

    conversation_id: int
    channel: str = "web"
    channel_key: str = ""
    customer_id: str | None = None
    language: str = "vi"
    reason: str | None = None
    intent: str | None = None
    state: str = states.BOT
    created_at: datetime | None = None
    handed_off_at: datetime | None = None
    queued_at: datetime | None = None
    first_human_at: datetime | None = None
    bot_waiting_since: datetime | None = None
    agent_waiting_since: datetime | None = None
    last_customer_at: datetime | None = None
    claimed_at: datetime | None = None
    agent_id: int | None = None
    ended_at: datetime | None = None
    abandoned: bool = False
    contained: bool = False
    callback: bool = False
    transfers: int = 0
    requeues: int = 0
    csat: int | None = None
    csat_at: datetime | None = None
    nps: int | None = None
    nps_at: datetime | None = None
    nps_state: str | None = None
    nps_asked_at: datetime | None = None
    comment: str | None = None
    comment_deadline: datetime | None = None
    survey_comment: bool = False


@dataclass
class Event:
    """One reporting event. ``value`` is seconds, a score, or +1/-1 for a count."""

    name: str
    at: datetime
    value: float = 1.0
    agent_id: int | None = None
    # Durations are also counted in histograms, for percentiles.
    duration: bool = False


@dataclass
class Policy:
    """Thresholds of the definitions; the hub sets them from its settings."""

    abandon_after_s: float = 900.0
    bot_idle_s: float = 1800.0
    survey_window_s: float = 86400.0
    extra: dict[str, float] = field(default_factory=dict)


DURATIONS = ("bot_response", "first_response", "agent_response", "queue_wait", "handling")


def _secs(end: datetime, start: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _duration(name: str, end: datetime, start: datetime, agent_id: int | None = None) -> Event:
    return Event(name, end, _secs(end, start), agent_id=agent_id, duration=True)


def created(f: Facts, at: datetime) -> list[Event]:
    f.created_at = at
    return [Event("conversations", at)]


def state_change(
    f: Facts, at: datetime, frm: str | None, to: str, actor: str | None = None
) -> list[Event]:
    """A move of the state machine (bot.store.states), with who made it."""
    events: list[Event] = []
    frm = frm or f.state
    f.state = to
    if to == states.WAITING:
        if frm == states.BOT:
            if f.contained:  # counted as contained while idle, but the customer came back
                f.contained = False
                f.ended_at = None
                events.append(Event("contained", at, -1.0))
            if f.handed_off_at is None:
                f.handed_off_at = at
                events.append(Event("handoffs", at))
            f.bot_waiting_since = None
        elif frm == states.ASSIGNED and actor == "router":
            # The router takes back an assignment nobody acknowledged.
            f.requeues += 1
            events.append(Event("requeues", at, agent_id=f.agent_id))
        f.queued_at = at
    elif to == states.ASSIGNED and frm == states.WAITING and f.queued_at is not None:
        events.append(_duration("queue_wait", at, f.queued_at))
        f.queued_at = None
    elif to in (states.RESOLVED, states.CLOSED) and f.ended_at is None:
        f.ended_at = at
        if frm == states.BOT and f.handed_off_at is None:
            f.contained = True
            events.append(Event("contained", at))
        elif frm == states.WAITING and f.claimed_at is None:
            f.queued_at = None
            events.extend(_abandon(f, at))
        if f.handed_off_at is not None:
            events.append(Event("resolved", at, agent_id=f.agent_id))
            if f.claimed_at is not None:
                events.append(_duration("handling", at, f.claimed_at, f.agent_id))
    return events


def _abandon(f: Facts, at: datetime) -> list[Event]:
    # A booked call-back is the service keeping its promise another way, not abandonment.
    if f.abandoned or f.callback or f.claimed_at is not None:
        return []
    f.abandoned = True
    return [Event("abandoned", at)]


# Turns that say how the conversation goes, not what it is about.
NOT_TOPICS = {
    "greet",
    "goodbye",
    "thank",
    "challenge_bot",
    "affirm",
    "deny",
    "inform",
    "request_human",
    "request_callback",
    "express_frustration",
    "out_of_scope",
    "nlu_fallback",
}


def topic_intent(intents: list[str] | None) -> str | None:
    """What the customer came about: their latest intent that names a topic."""
    for name in reversed(intents or []):
        if name and name not in NOT_TOPICS:
            return str(name)
    return None


def set_reason(f: Facts, reason: str, intent: str | None = None) -> list[Event]:
    f.reason = reason
    f.intent = intent or f.intent
    return []


def set_language(f: Facts, language: str) -> list[Event]:
    f.language = language
    return []


def assigned(f: Facts, agent_id: int | None) -> list[Event]:
    if agent_id is not None:
        f.agent_id = agent_id
    return []


def joined(f: Facts, at: datetime, agent_id: int | None) -> list[Event]:
    """An agent took the conversation (claimed it, or acknowledged an assignment)."""
    if agent_id is not None:
        f.agent_id = agent_id
    if f.claimed_at is not None:
        return []
    f.claimed_at = at
    return [Event("claims", at, agent_id=f.agent_id)]


def transfer(f: Facts, at: datetime) -> list[Event]:
    f.transfers += 1
    return [Event("transfers", at, agent_id=f.agent_id)]


def message(f: Facts, at: datetime, sender: str, agent_id: int | None = None) -> list[Event]:
    events: list[Event] = []
    if sender == "customer":
        f.last_customer_at = at
        if f.abandoned and f.ended_at is None and f.state in (states.WAITING, states.ASSIGNED):
            f.abandoned = False  # idle was not gone: the customer is still there
            events.append(Event("abandoned", at, -1.0))
        if f.state == states.BOT:
            f.bot_waiting_since = f.bot_waiting_since or at
        elif f.state in (states.WAITING, states.ASSIGNED) and f.first_human_at is not None:
            f.agent_waiting_since = f.agent_waiting_since or at
    elif sender == "bot":
        if f.bot_waiting_since is not None:
            events.append(_duration("bot_response", at, f.bot_waiting_since))
            f.bot_waiting_since = None
    elif sender == "agent":
        if agent_id is not None:
            f.agent_id = agent_id
        events.append(Event("agent_messages", at, agent_id=f.agent_id))
        if f.first_human_at is None and f.handed_off_at is not None:
            events.append(_duration("first_response", at, f.handed_off_at, f.agent_id))
            f.first_human_at = at
            f.agent_waiting_since = None
        elif f.agent_waiting_since is not None:
            events.append(_duration("agent_response", at, f.agent_waiting_since, f.agent_id))
            f.agent_waiting_since = None
    return events


def callback_booked(f: Facts) -> list[Event]:
    f.callback = True
    return []


def csat(f: Facts, at: datetime, score: int) -> list[Event]:
    f.csat, f.csat_at = score, at
    events = [Event("csat", at, float(score), agent_id=f.agent_id)]
    if score >= 4:
        events.append(Event("csat_top2", at, agent_id=f.agent_id))
    return events


def nps(f: Facts, at: datetime, score: int) -> list[Event]:
    f.nps, f.nps_at = score, at
    f.nps_state = "answered"
    f.comment_deadline = None
    events = [Event("nps", at, float(score), agent_id=f.agent_id)]
    if score >= 9:
        events.append(Event("nps_promoter", at, agent_id=f.agent_id))
    elif score <= 6:
        events.append(Event("nps_detractor", at, agent_id=f.agent_id))
    return events


def comment(f: Facts, at: datetime, text: str) -> list[Event]:
    f.comment = text
    f.nps_state = "done"
    return [Event("survey_comments", at, agent_id=f.agent_id)]


def idle(f: Facts, now: datetime, policy: Policy) -> list[Event]:
    """The sweep's look at an open conversation nobody has touched for a while."""
    if f.ended_at is not None or f.survey_comment:
        return []
    if f.state == states.WAITING and f.queued_at is not None:
        # Left while waiting: no word from the customer for abandon_after_s in the queue.
        last = max(t for t in (f.last_customer_at, f.queued_at) if t is not None)
        if now - last >= timedelta(seconds=policy.abandon_after_s):
            return _abandon(f, now)
    if (
        f.state == states.BOT
        and f.handed_off_at is None
        and not f.contained
        and f.last_customer_at is not None
        and now - f.last_customer_at >= timedelta(seconds=policy.bot_idle_s)
    ):
        f.contained = True
        f.ended_at = now
        return [Event("contained", now)]
    return []
