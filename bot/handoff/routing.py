"""The routing core of the human queue (an ACD), as pure functions over plain data.

Times are seconds on the caller's clock (the hub passes epoch seconds, the simulation in
``bench/routing_sim.py`` a fake clock), so the same rules run live and simulated.

The rules:

- **Order.** Priority class first (urgent 2, high 1, normal 0), oldest first within a
  class. *Ageing*: a conversation's class rises by one for every ``ageing_step_s`` it has
  waited (default 300 s), up to urgent. Within a class the older conversation goes first,
  so a normal conversation that has aged to urgent is behind only the conversations that
  have waited longer than it. Nothing waits for ever: after ``2 × ageing_step_s`` a normal
  conversation is served in plain arrival order with the urgent ones.
- **Eligibility.** An agent can take a conversation when they are present, of its team,
  and have its skill (an agent with no skills listed takes every skill). When no one with
  the skill is present, agents with the ``general`` skill may take it once it has waited
  ``overflow_after_s``. An agent who missed (declined or let time out) an offer of this
  conversation is not offered it again for ``cooldown_s``: a team of one still works.
- **Capacity and offers.** An agent takes at most their capacity of open conversations
  (default 3) and has at most one unacknowledged offer.
- **Choice of agent.** Among the eligible agents who can take an offer: the least loaded,
  then the one with fewer skills (specialists stay free for what only they can take), then
  the one offered a conversation longest ago (longest idle), then the lowest id.

``route`` is greedy over the queue in order and never skips an available eligible agent,
so no conversation waits while an eligible agent could take an offer; the times at which
eligibility changes by themselves (a cool-down ends, an overflow starts) are given by
``next_change`` so that a clock-driven caller routes again then.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

URGENT, HIGH, NORMAL = 2, 1, 0
CLASS_NAMES = {URGENT: "urgent", HIGH: "high", NORMAL: "normal"}
GENERAL = "general"


@dataclass(frozen=True)
class Rules:
    default_capacity: int = 3
    ageing_step_s: float = 300.0
    overflow_after_s: float = 120.0
    cooldown_s: float = 120.0

    @classmethod
    def from_settings(cls, settings: Any) -> Rules:
        return cls(
            default_capacity=settings.routing_default_capacity,
            ageing_step_s=settings.routing_ageing_step_s,
            overflow_after_s=settings.routing_overflow_after_s,
            cooldown_s=settings.routing_offer_cooldown_s,
        )


@dataclass
class Waiting:
    """A conversation waiting for an agent."""

    id: int
    priority: int
    waiting_since: float
    skill: str = GENERAL
    team: str | None = None
    missed: dict[int, float] = field(default_factory=dict)  # agent id -> when they missed it


@dataclass
class Agent:
    """An agent as routing sees them."""

    id: int
    present: bool = True
    capacity: int | None = None  # None: the rules' default
    load: int = 0  # open conversations, offers included
    offers: int = 0  # unacknowledged offers
    last_offer_at: float = -math.inf
    skills: frozenset[str] | None = None  # None: every skill
    team: str | None = None


def skill_of(
    reason: str | None, reason_skills: Mapping[str, str], urgent_because: str | None = None
) -> str:
    """The skill a conversation needs: its hand-off reason's, else that of the rule that
    made it urgent ("lost card" reads as ``lost_card``), else ``general``."""
    for key in (reason, urgent_because):
        skill = reason_skills.get((key or "").strip().replace(" ", "_"))
        if skill:
            return skill
    return GENERAL


def effective_priority(conv: Waiting, now: float, rules: Rules) -> int:
    """The class after ageing. Ageing stops at urgent; a priority above urgent (a
    conversation transferred past the cap) keeps its place ahead of the urgent ones."""
    if conv.priority >= URGENT:
        return conv.priority
    waited = max(0.0, now - conv.waiting_since)
    steps = int(waited // rules.ageing_step_s) if rules.ageing_step_s > 0 else 0
    return min(URGENT, max(conv.priority, NORMAL) + steps)


def order_key(conv: Waiting, now: float, rules: Rules) -> tuple[int, float, int]:
    return (-effective_priority(conv, now, rules), conv.waiting_since, conv.id)


def order(queue: Iterable[Waiting], now: float, rules: Rules) -> list[Waiting]:
    """The queue in the order conversations are offered."""
    return sorted(queue, key=lambda c: order_key(c, now, rules))


def capacity_of(agent: Agent, rules: Rules) -> int:
    return rules.default_capacity if agent.capacity is None else agent.capacity


def can_take_offer(agent: Agent, rules: Rules) -> bool:
    return agent.present and agent.offers == 0 and agent.load < capacity_of(agent, rules)


def has_skill(agent: Agent, skill: str) -> bool:
    return agent.skills is None or skill in agent.skills


def same_team(agent: Agent, conv: Waiting) -> bool:
    return conv.team is None or agent.team is None or agent.team == conv.team


def skilled_present(agents: Iterable[Agent], conv: Waiting) -> bool:
    return any(a.present and same_team(a, conv) and has_skill(a, conv.skill) for a in agents)


def in_cooldown(agent: Agent, conv: Waiting, now: float, rules: Rules) -> bool:
    missed_at = conv.missed.get(agent.id)
    return missed_at is not None and now - missed_at < rules.cooldown_s


def eligible(agent: Agent, conv: Waiting, now: float, rules: Rules, *, skilled_here: bool) -> bool:
    """May ``agent`` be offered ``conv`` now (capacity aside)? ``skilled_here``: someone
    present has the conversation's skill (``skilled_present``)."""
    if not agent.present or not same_team(agent, conv) or in_cooldown(agent, conv, now, rules):
        return False
    if has_skill(agent, conv.skill):
        return True
    overflowing = not skilled_here and now - conv.waiting_since >= rules.overflow_after_s
    return overflowing and has_skill(agent, GENERAL)


FLEXIBLE = 1_000  # an agent with every skill counts as having this many


def choose_key(agent: Agent) -> tuple[int, int, float, int]:
    """Least loaded first; then the agent with fewer skills, so that specialists stay free
    for the conversations only they can take; then longest idle (offered longest ago)."""
    skills = FLEXIBLE if agent.skills is None else len(agent.skills)
    return (agent.load, skills, agent.last_offer_at, agent.id)


def route(
    queue: Iterable[Waiting], agents: Sequence[Agent], now: float, rules: Rules
) -> list[tuple[int, int]]:
    """The offers to make now, as (conversation id, agent id) pairs, best first."""
    available = {a.id: a for a in agents if can_take_offer(a, rules)}
    offers: list[tuple[int, int]] = []
    if not available:
        return offers
    for conv in order(queue, now, rules):
        if not available:
            break
        here = skilled_present(agents, conv)
        candidates = [
            a for a in available.values() if eligible(a, conv, now, rules, skilled_here=here)
        ]
        if candidates:
            agent = min(candidates, key=choose_key)
            offers.append((conv.id, agent.id))
            del available[agent.id]  # one unacknowledged offer per agent
    return offers


def next_change(queue: Iterable[Waiting], now: float, rules: Rules) -> float | None:
    """The earliest later time at which eligibility changes without any event: a cool-down
    ends or an overflow starts. (Ageing changes the order, which matters only when an agent
    frees up, which is an event of its own.)"""
    times: list[float] = []
    for conv in queue:
        overflow_at = conv.waiting_since + rules.overflow_after_s
        if conv.skill != GENERAL and overflow_at > now:
            times.append(overflow_at)
        times.extend(
            t + rules.cooldown_s for t in conv.missed.values() if t + rules.cooldown_s > now
        )
    return min(times) if times else None


def waiting_with_free_capacity(
    queue: Iterable[Waiting], agents: Sequence[Agent], now: float, rules: Rules
) -> list[int]:
    """Conversations that wait although an eligible agent could take an offer now: empty
    after ``route``'s offers are made (the invariant the simulation measures)."""
    available = [a for a in agents if can_take_offer(a, rules)]
    stuck = []
    for conv in queue:
        here = skilled_present(agents, conv)
        if any(eligible(a, conv, now, rules, skilled_here=here) for a in available):
            stuck.append(conv.id)
    return stuck
