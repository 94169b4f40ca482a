"""The wait told to a waiting customer: the queue ahead played out (bot/handoff/forecast.py)
on hand-built queues whose outcome is known, and the hub-side wrapper
(bot/handoff/estimate.py ``queue_wait_s``) over routing's own objects."""

from __future__ import annotations

import numpy as np
import pytest

from bot.handoff import estimate, forecast, routing
from bot.handoff.routing import HIGH, NORMAL, URGENT

# Every chat lasts exactly 100 s and every offer is acknowledged after 5 s: the scenarios
# then all agree and the forecast can be checked to the second.
FIXED = forecast.Measured(handle_s=(100.0,), ack_s=(5.0,))


def waits(
    agents: list[forecast.AgentNow],
    rivals: list[forecast.Rival] | None = None,
    measured: forecast.Measured = FIXED,
    priority: int = NORMAL,
    skill: str = "general",
) -> np.ndarray:
    out = forecast.simulate_waits(
        priority, 0.0, skill, agents, rivals or [], measured, 300.0, samples=32, seed=1
    )
    assert out is not None
    return out


def test_the_next_chat_to_end_decides_and_the_acknowledgement_is_added() -> None:
    # One agent, capacity 1, a chat 40 s old: it ends in 60 s, then 5 s to acknowledge.
    result = waits([forecast.AgentNow(capacity=1, chat_ages_s=(40.0,))])
    assert np.allclose(result, 65.0)


def test_a_free_slot_behind_an_unacknowledged_offer_waits_for_that_acknowledgement() -> None:
    # Capacity 2, nothing open but an offer made 2 s ago: the agent may take another offer
    # once it is acknowledged (3 s more), then the customer's own acknowledgement (5 s).
    result = waits([forecast.AgentNow(capacity=2, offer_age_s=2.0)])
    assert np.allclose(result, 8.0)


def test_conversations_ahead_take_the_earlier_slots() -> None:
    agent = forecast.AgentNow(capacity=2, chat_ages_s=(40.0, 0.0))  # slots free at 60, 100
    older = forecast.Rival(priority=NORMAL, waited_s=30.0, skill="general")
    assert np.allclose(waits([agent], [older]), 105.0)
    # A younger conversation of the same class is behind: the customer takes the 60 s slot.
    younger = forecast.Rival(priority=NORMAL, waited_s=-1.0, skill="general")
    assert np.allclose(waits([agent], [younger]), 65.0)


def test_class_goes_first_and_ageing_is_followed() -> None:
    agent = forecast.AgentNow(capacity=2, chat_ages_s=(40.0, 0.0))
    old_normal = forecast.Rival(priority=NORMAL, waited_s=30.0, skill="general")
    # An urgent customer goes before an older normal conversation...
    assert np.allclose(waits([agent], [old_normal], priority=URGENT), 65.0)
    # ...but not before one that has waited two ageing steps (it is urgent by now, older).
    aged = forecast.Rival(priority=NORMAL, waited_s=601.0, skill="general")
    assert np.allclose(waits([agent], [aged], priority=URGENT), 105.0)
    # A high conversation that arrived earlier is ahead of a normal customer.
    high = forecast.Rival(priority=HIGH, waited_s=1.0, skill="general")
    assert np.allclose(waits([agent], [high]), 105.0)


def test_a_conversation_the_agents_cannot_take_is_not_ahead() -> None:
    agent = forecast.AgentNow(capacity=1, chat_ages_s=(40.0,), skills=frozenset({"general"}))
    fraud = forecast.Rival(priority=URGENT, waited_s=50.0, skill="fraud")
    assert np.allclose(waits([agent], [fraud]), 65.0)


def test_later_arrivals_of_higher_classes_lengthen_the_wait() -> None:
    agents = [forecast.AgentNow(capacity=3, chat_ages_s=(10.0, 50.0, 90.0)) for _ in range(2)]
    measured = forecast.Measured(handle_s=tuple(np.linspace(60.0, 400.0, 50)), ack_s=(5.0,))
    quiet = waits(agents, measured=measured)
    busy = waits(
        agents,
        measured=forecast.Measured(
            measured.handle_s, measured.ack_s, arrival_rates=((URGENT, "", 0.2),)
        ),
    )
    assert np.median(busy) > np.median(quiet)
    # Arrivals of the customer's own class or lower never pass them.
    same = waits(
        agents,
        measured=forecast.Measured(
            measured.handle_s, measured.ack_s, arrival_rates=((NORMAL, "", 0.2),)
        ),
    )
    assert np.allclose(same, quiet)


def test_a_chat_that_has_run_long_is_expected_to_run_on() -> None:
    measured = forecast.Measured(handle_s=(60.0, 80.0, 100.0, 600.0), ack_s=(5.0,))
    young = waits([forecast.AgentNow(capacity=1, chat_ages_s=(10.0,))], measured=measured)
    old = waits([forecast.AgentNow(capacity=1, chat_ages_s=(200.0,))], measured=measured)
    assert np.allclose(old, 405.0)  # only the 600 s chats last past 200 s
    assert np.median(young) < 200.0
    # Past every measured time: another tenth of its age.
    older = waits([forecast.AgentNow(capacity=1, chat_ages_s=(1000.0,))], measured=measured)
    assert np.allclose(older, 105.0)


def test_nobody_who_can_take_it_gives_no_figure() -> None:
    assert (
        forecast.simulate_waits(NORMAL, 0.0, "general", [], [], FIXED, 300.0, samples=8, seed=1)
        is None
    )


def test_the_told_figure_is_the_one_most_often_within_a_quarter() -> None:
    # Five samples around 100 s and one far out: the figure is near 100, not the mean.
    samples = np.array([90.0, 95.0, 100.0, 105.0, 110.0, 1000.0])
    told = forecast.told_value(samples, 0.25)
    assert all(abs(told - w) <= 0.25 * w for w in samples[:5])
    told = forecast.told_value(samples)  # the hub's tolerance
    assert all(abs(told - w) <= forecast.TOLERANCE * w for w in samples[:5])
    assert told < 110.0
    assert forecast.told_value(np.full(8, 65.0)) == pytest.approx(65.0)


def test_the_hub_wrapper_reads_routing_objects() -> None:
    rules = routing.Rules(default_capacity=1)
    me = routing.Waiting(id=7, priority=NORMAL, waiting_since=1000.0, skill="cards")
    ahead = routing.Waiting(id=3, priority=NORMAL, waiting_since=990.0, skill="cards")
    agents = [
        routing.Agent(id=1, load=1, skills=frozenset({"cards"})),
        routing.Agent(id=2, load=1, skills=frozenset({"cards"})),
        routing.Agent(id=3, present=False, skills=frozenset({"cards"})),
        routing.Agent(id=4, load=0, skills=frozenset({"fraud"})),
    ]
    chat_starts = {1: [960.0], 2: [920.0]}  # ends at 1060 and 1020
    told = estimate.queue_wait_s(me, [ahead, me], agents, 1000.0, rules, chat_starts, {}, FIXED)
    # The conversation ahead takes agent 2's slot at 20 s; the customer agent 1's at 60 s.
    assert told == pytest.approx(65.0)
    nobody = routing.Waiting(id=8, priority=NORMAL, waiting_since=1000.0, skill="retention")
    assert estimate.queue_wait_s(nobody, [nobody], agents, 1000.0, rules, {}, {}, FIXED) is None


def within(told: float, samples: np.ndarray, tolerance: float) -> int:
    return int(np.sum(np.abs(told - samples) <= tolerance * samples))


@pytest.mark.parametrize("tolerance", [0.25, 0.4])
def test_no_other_figure_has_more_scenarios_within_the_tolerance(tolerance: float) -> None:
    # Skewed scenarios like a short queue's (a few seconds to minutes): every figure on a
    # fine grid has at most as many scenarios within the tolerance as the told one.
    samples = np.random.default_rng(3).lognormal(np.log(20.0), 0.9, 300)
    told = forecast.told_value(samples, tolerance)
    best = max(within(e, samples, tolerance) for e in np.linspace(0.5, 200.0, 4000))
    assert within(told, samples, tolerance) == best


def test_the_hub_plays_out_enough_scenarios_to_place_the_figure() -> None:
    # One agent, a chat 40 s old with a remaining time that varies: the told figure uses
    # the hub's number of scenarios and lies inside their range.
    measured = forecast.Measured(handle_s=tuple(np.linspace(50.0, 400.0, 200)), ack_s=(5.0,))
    agents = [forecast.AgentNow(capacity=1, chat_ages_s=(40.0,))]
    scenarios = forecast.simulate_waits(
        NORMAL, 0.0, "general", agents, [], measured, 300.0, samples=estimate.SAMPLES, seed=2
    )
    assert scenarios is not None and scenarios.shape == (estimate.SAMPLES,)
    rules = routing.Rules(default_capacity=1)
    me = routing.Waiting(id=2, priority=NORMAL, waiting_since=1000.0)
    told = estimate.queue_forecast(
        me, [me], [routing.Agent(id=1, load=1)], 1000.0, rules, {1: [960.0]}, {}, measured
    )
    assert told is not None
    assert told.low_s <= told.told_s <= told.high_s
    assert 15.0 <= told.told_s <= 365.0  # 10 s to 360 s left of the chat, then 5 s


def test_a_known_end_replaces_the_drawn_remaining_time() -> None:
    # The benchmark's bound: told that the 40 s old chat ends in 30 s, every scenario
    # frees the slot then, whatever the measured handling times say.
    measured = forecast.Measured(handle_s=tuple(np.linspace(50.0, 400.0, 200)), ack_s=(5.0,))
    known = forecast.AgentNow(capacity=1, chat_ages_s=(40.0,), chat_left_s=(30.0,))
    assert np.allclose(waits([known], measured=measured), 35.0)
