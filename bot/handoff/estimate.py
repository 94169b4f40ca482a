"""How long a waiting customer will wait: the estimate the customer is told.

``queue_forecast`` is what the hub tells: it plays the next offers out from the queue as
routing sees it (``bot.handoff.forecast``). ``estimate_wait_s`` below is the single
formula it replaced, kept as the benchmark's comparison and for its reasoning:

The queue is many agents, each holding up to their capacity of chats, so it is a
multi-server queue with ``servers`` = the summed capacity of the present agents who can
take the conversation. A customer with ``ahead`` conversations before them (in routing
order, needing the same agents) waits until ``ahead + 1 - free`` chats have ended, where
``free`` is the number of idle slots. While every slot is busy, chats end at about
``servers / mean_handle_s`` a second (Erlang C's assumption); the conversations of higher
classes that arrive meanwhile go ahead, so they take ``higher_rate`` of that.

``erlang_c_wait_s`` is the textbook mean wait of an M/M/s queue for the same load, used by
the benchmark to compare the simulated queue with the model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.handoff import forecast, routing

# Never assume that the customer's turn advances slower than this share of the full rate,
# even when the higher classes' arrivals would use it all: ageing lifts the customer up.
MIN_RATE_SHARE = 0.2
# Scenarios the forecast plays out per estimate. More scenarios place the told figure
# better, with little gain past about a hundred: on the development seeds at 85 %
# occupancy (bench/routing_sim.py, seeds 1-3) the median error is 0.417 with 48, 0.406
# with 128, 0.408 with 200 and 0.406 with 400 (tolerance 40 %). One estimate costs
# 3.6-6.5 ms of CPU on average with 128 (p90 8-15 ms; bench/results/routing_sim-*.json),
# about 1.5 ms more than with 48.
SAMPLES = 128


def erlang_c(servers: int, offered_load: float) -> float:
    """The probability that an arrival waits, for ``servers`` and an offered load in
    Erlangs (arrival rate × mean handling time); 1.0 when the load reaches the servers."""
    if servers <= 0 or offered_load >= servers:
        return 1.0
    if offered_load <= 0:
        return 0.0
    # The Erlang B recursion is stable for any number of servers; C follows from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1 - rho + rho * b)


def erlang_c_wait_s(servers: int, arrival_rate: float, mean_handle_s: float) -> float:
    """The mean wait in an M/M/s queue (math.inf when it is overloaded)."""
    load = arrival_rate * mean_handle_s
    if servers <= 0 or load >= servers:
        return math.inf
    return erlang_c(servers, load) * mean_handle_s / (servers - load)


def erlang_c_wait_quantile_s(
    servers: int, arrival_rate: float, mean_handle_s: float, q: float
) -> float:
    """The q-quantile of the wait in an M/M/s queue: P(W > t) = C · exp(-(s·μ - λ)·t)."""
    load = arrival_rate * mean_handle_s
    if servers <= 0 or load >= servers:
        return math.inf
    c = erlang_c(servers, load)
    if c <= 1 - q:
        return 0.0
    return math.log(c / (1 - q)) / (servers / mean_handle_s - arrival_rate)


def estimate_wait_s(
    ahead: int,
    free_slots: int,
    servers: int,
    mean_handle_s: float,
    higher_rate: float = 0.0,
    ack_s: float = 0.0,
) -> float | None:
    """Expected wait of the next-but-``ahead`` customer, until an agent has acknowledged
    the offer (``ack_s``: the measured mean time from offer to acknowledgement); None when
    no one present can take the conversation (the customer is offered a call-back)."""
    if servers <= 0:
        return None
    needed = ahead + 1 - max(0, free_slots)
    if needed <= 0:
        return max(0.0, ack_s)
    full_rate = servers / max(mean_handle_s, 1.0)
    rate = max(full_rate - max(0.0, higher_rate), full_rate * MIN_RATE_SHARE)
    return needed / rate + max(0.0, ack_s)


def changed_a_lot(told_s: float | None, now_s: float | None, share: float, floor_s: float) -> bool:
    """Is the new estimate worth telling the customer: different from the one they were
    told by more than ``share`` of it and by at least ``floor_s``?"""
    if told_s is None or now_s is None:
        return (told_s is None) != (now_s is None)
    diff = abs(now_s - told_s)
    return diff >= floor_s and diff > share * max(told_s, 1.0)


@dataclass(frozen=True)
class Forecast:
    told_s: float  # the figure told (``forecast.told_value``)
    low_s: float  # 10th percentile of the scenarios
    high_s: float  # 90th percentile (inf when beyond the scenarios followed)


def queue_wait_s(*args: Any, **kwargs: Any) -> float | None:
    """The figure of ``queue_forecast`` (same arguments), or None."""
    result = queue_forecast(*args, **kwargs)
    return None if result is None else result.told_s


def queue_forecast(
    conv: routing.Waiting,
    queue: Iterable[routing.Waiting],
    agents: Iterable[routing.Agent],
    now: float,
    rules: routing.Rules,
    chat_starts: Mapping[int, Sequence[float]],
    offer_at: Mapping[int, float],
    measured: forecast.Measured,
    samples: int = SAMPLES,
    chat_left: Mapping[int, Sequence[float]] | None = None,
) -> Forecast | None:
    """The wait to tell ``conv``'s customer and its 10-90 % range, from the queue as
    routing sees it: the agents present who may take it (with their open chats' start
    times ``chat_starts`` and their unacknowledged offer's time ``offer_at``, by agent
    id) and the other waiting conversations (``bot.handoff.forecast`` plays the next
    offers out). None when no one present can take it (the customer is offered a
    call-back). ``chat_left``: the open chats' true remaining times, in the order of
    ``chat_starts`` (only a benchmark knows them)."""
    skilled = [
        a
        for a in agents
        if a.present and routing.has_skill(a, conv.skill) and routing.same_team(a, conv)
    ]
    if not skilled:
        return None
    present = [
        forecast.AgentNow(
            capacity=routing.capacity_of(a, rules),
            chat_ages_s=tuple(max(0.0, now - t) for t in chat_starts.get(a.id, ())),
            offer_age_s=max(0.0, now - offer_at[a.id]) if a.id in offer_at else None,
            skills=a.skills,
            chat_left_s=tuple(chat_left.get(a.id, ())) if chat_left else (),
        )
        for a in skilled
    ]
    rivals = [
        forecast.Rival(w.priority, max(0.0, now - w.waiting_since), w.skill)
        for w in queue
        if w.id != conv.id and any(routing.has_skill(a, w.skill) for a in skilled)
    ]
    waits = forecast.simulate_waits(
        conv.priority,
        max(0.0, now - conv.waiting_since),
        conv.skill,
        present,
        rivals,
        measured,
        rules.ageing_step_s,
        samples=samples,
        seed=conv.id,
    )
    if waits is None:
        return None
    # Scenarios not followed to the end are longer than any that were.
    low, high = np.quantile(np.where(np.isfinite(waits), waits, 1e9), [0.1, 0.9])
    return Forecast(forecast.told_value(waits), float(low), float(high) if high < 1e9 else math.inf)
