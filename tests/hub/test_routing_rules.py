"""The routing rules (bot/handoff/routing.py) on hand-built queues: order and ageing,
capacity and one offer at a time, longest idle, skills and overflow, cool-down after a
miss, and absent agents."""

from __future__ import annotations

from bot.handoff.routing import (
    HIGH,
    NORMAL,
    URGENT,
    Agent,
    Rules,
    Waiting,
    effective_priority,
    next_change,
    order,
    route,
    skill_of,
    waiting_with_free_capacity,
)

RULES = Rules(default_capacity=3, ageing_step_s=300, overflow_after_s=120, cooldown_s=120)
NOW = 10_000.0


def ids(queue: list[Waiting]) -> list[int]:
    return [c.id for c in queue]


def test_urgent_first_then_high_then_normal_oldest_first_within_a_class() -> None:
    queue = [
        Waiting(1, NORMAL, NOW - 50),
        Waiting(2, URGENT, NOW - 10),
        Waiting(3, HIGH, NOW - 20),
        Waiting(4, URGENT, NOW - 40),
        Waiting(5, NORMAL, NOW - 90),
    ]
    assert ids(order(queue, NOW, RULES)) == [4, 2, 3, 5, 1]


def test_ageing_lifts_a_class_per_step_and_nobody_is_starved() -> None:
    normal = Waiting(1, NORMAL, NOW - 299)
    assert effective_priority(normal, NOW, RULES) == NORMAL
    assert effective_priority(normal, NOW + 1, RULES) == HIGH
    assert effective_priority(normal, NOW + 301, RULES) == URGENT
    assert effective_priority(normal, NOW + 10_000, RULES) == URGENT  # never above urgent
    # Past the transfer cap a conversation goes above urgent; ageing leaves that alone.
    capped = Waiting(2, URGENT + 1, NOW)
    assert ids(order([Waiting(3, URGENT, NOW - 900), capped], NOW, RULES)) == [2, 3]
    # After two steps the old normal conversation goes before urgent ones that came later.
    queue = [Waiting(1, NORMAL, NOW - 601), Waiting(2, URGENT, NOW - 30)]
    assert ids(order(queue, NOW, RULES)) == [1, 2]
    # ...but not before an urgent one that has waited longer still.
    queue.append(Waiting(3, URGENT, NOW - 700))
    assert ids(order(queue, NOW, RULES)) == [3, 1, 2]
    # One step: a normal one is high, behind every urgent one, before younger high ones.
    queue = [Waiting(1, NORMAL, NOW - 310), Waiting(2, HIGH, NOW - 20), Waiting(3, URGENT, NOW)]
    assert ids(order(queue, NOW, RULES)) == [3, 1, 2]


def test_one_offer_at_a_time_urgent_first_and_never_beyond_capacity() -> None:
    queue = [Waiting(i, NORMAL, NOW - 100 + i) for i in range(1, 5)]
    queue += [Waiting(10 + i, URGENT, NOW - 50 + i) for i in range(3)]
    agent = Agent(1, capacity=2)
    assert route(queue, [agent], NOW, RULES) == [(10, 1)]  # one offer, the oldest urgent
    agent.load, agent.offers = 1, 1  # the offer is out, not yet acknowledged
    assert route(queue, [agent], NOW, RULES) == []
    agent.offers = 0  # acknowledged: one open conversation, room for one more
    assert route(queue[:-3] + queue[-2:], [agent], NOW, RULES) == [(11, 1)]
    agent.load = 2  # at capacity: nothing more, however long the queue
    assert route(queue, [agent], NOW, RULES) == []
    assert waiting_with_free_capacity(queue, [agent], NOW, RULES) == []


def test_the_default_capacity_is_three() -> None:
    agent = Agent(1, load=2)
    assert route([Waiting(1, NORMAL, NOW)], [agent], NOW, RULES) == [(1, 1)]
    agent.load = 3
    assert route([Waiting(1, NORMAL, NOW)], [agent], NOW, RULES) == []


def test_each_agent_gets_one_offer_least_loaded_then_longest_idle() -> None:
    queue = [Waiting(1, URGENT, NOW - 30), Waiting(2, HIGH, NOW - 20), Waiting(3, NORMAL, NOW)]
    busy = Agent(1, load=2, last_offer_at=NOW - 900)
    recent = Agent(2, load=1, last_offer_at=NOW - 10)
    idle = Agent(3, load=1, last_offer_at=NOW - 600)
    offers = route(queue, [busy, recent, idle], NOW, RULES)
    # Least loaded first; between equal loads the one offered longest ago.
    assert offers == [(1, 3), (2, 2), (3, 1)]


def test_skills_come_from_the_reason_and_only_skilled_agents_are_offered() -> None:
    skills = {"fraud": "fraud", "churn_risk": "retention"}
    assert skill_of("fraud", skills) == "fraud"
    assert skill_of("customer_request", skills) == "general"
    assert skill_of(None, skills) == "general"
    # A conversation made urgent by a rule needs that rule's skill.
    assert skill_of("bot_unavailable", skills, "churn risk") == "retention"
    fraud = Waiting(1, URGENT, NOW - 10, skill="fraud")
    general = Agent(1, skills=frozenset({"general", "cards"}))
    specialist = Agent(2, skills=frozenset({"fraud"}), load=2)
    everyone = Agent(3, skills=None, present=False)  # no skills listed: every skill
    assert route([fraud], [general, specialist], NOW, RULES) == [(1, 2)]
    # The specialist is full: it waits for them rather than going to a general agent.
    specialist.load = 3
    assert route([fraud], [general, specialist], NOW + 500, RULES) == []
    everyone.present = True
    assert route([fraud], [general, specialist, everyone], NOW, RULES) == [(1, 3)]


def test_overflow_to_general_agents_when_no_one_with_the_skill_is_present() -> None:
    fraud = Waiting(1, URGENT, NOW, skill="fraud")
    general = Agent(1, skills=frozenset({"general"}))
    cards_only = Agent(2, skills=frozenset({"cards"}))
    absent = Agent(3, skills=frozenset({"fraud"}), present=False)
    agents = [general, cards_only, absent]
    assert route([fraud], agents, NOW + 119, RULES) == []
    assert next_change([fraud], NOW + 1, RULES) == NOW + 120  # the caller routes again then
    assert route([fraud], agents, NOW + 120, RULES) == [(1, 1)]  # general, not cards-only
    absent.present = True  # a specialist is back: no overflow
    assert route([fraud], agents, NOW + 500, RULES) == [(1, 3)]


def test_a_missed_offer_goes_to_the_next_agent_and_back_after_the_cool_down() -> None:
    conv = Waiting(1, NORMAL, NOW - 60, missed={1: NOW})
    linh, minh = Agent(1, last_offer_at=NOW - 1000), Agent(2, last_offer_at=NOW - 5)
    assert route([conv], [linh, minh], NOW + 1, RULES) == [(1, 2)]
    # A team of one: linh again, once her cool-down is over (not never, as before).
    assert route([conv], [linh], NOW + 119, RULES) == []
    assert next_change([conv], NOW + 1, RULES) == NOW + 120
    assert route([conv], [linh], NOW + 120, RULES) == [(1, 1)]


def test_absent_agents_get_no_offers() -> None:
    queue = [Waiting(1, URGENT, NOW)]
    assert route(queue, [Agent(1, present=False)], NOW, RULES) == []
    assert waiting_with_free_capacity(queue, [Agent(1, present=False)], NOW, RULES) == []


def test_teams_keep_their_queues() -> None:
    conv = Waiting(1, NORMAL, NOW, team="loans")
    cards = Agent(1, team="cards")
    assert route([conv], [cards], NOW, RULES) == []
    assert route([conv], [cards, Agent(2, team="loans")], NOW, RULES) == [(1, 2)]


def test_a_conversation_nobody_can_take_does_not_block_the_ones_behind_it() -> None:
    queue = [Waiting(1, URGENT, NOW - 100, skill="fraud"), Waiting(2, NORMAL, NOW)]
    agents = [
        Agent(1, skills=frozenset({"general"})),
        Agent(2, skills=frozenset({"fraud"}), load=3),
    ]
    assert route(queue, agents, NOW, RULES) == [(2, 1)]
    after = [queue[0]]
    agents[0].load, agents[0].offers = 1, 1
    assert waiting_with_free_capacity(after, agents, NOW, RULES) == []
