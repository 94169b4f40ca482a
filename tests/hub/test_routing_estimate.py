"""The wait estimate told to customers (bot/handoff/estimate.py) and the Erlang C model
the benchmark compares the simulated queue with."""

from __future__ import annotations

import math
from math import factorial

import pytest

from bot.handoff.estimate import (
    changed_a_lot,
    erlang_c,
    erlang_c_wait_quantile_s,
    erlang_c_wait_s,
    estimate_wait_s,
)


def textbook_erlang_c(servers: int, load: float) -> float:
    top = load**servers / factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / factorial(k) for k in range(servers)) + top)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (2, 1.0), (10, 8.0), (30, 25.5)])
def test_erlang_c_matches_the_textbook_formula(servers: int, load: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(textbook_erlang_c(servers, load))


def test_erlang_c_edges_and_waits() -> None:
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 3.0) == 1.0  # overloaded: everyone waits
    assert erlang_c(3, 0.0) == 0.0
    # M/M/1 at 50 %: mean wait = rho / (mu - lambda) = 0.5 * 100 s / 0.5 = 100 s.
    assert erlang_c_wait_s(1, 0.005, 100.0) == pytest.approx(100.0)
    assert erlang_c_wait_s(2, 1.0, 10.0) == math.inf
    # P(W > t90) = 10 %.
    t90 = erlang_c_wait_quantile_s(10, 8 / 240, 240.0, 0.9)
    tail = erlang_c(10, 8.0) * math.exp(-(10 / 240 - 8 / 240) * t90)
    assert tail == pytest.approx(0.1)
    assert erlang_c_wait_quantile_s(10, 1 / 240, 240.0, 0.9) == 0.0  # few ever wait


def test_the_estimate_counts_free_slots_the_queue_ahead_and_higher_classes() -> None:
    # Nobody present who can take it: no number, the customer is offered a call-back.
    assert estimate_wait_s(0, 0, 0, 240.0) is None
    # A free slot for them: only the acknowledgement.
    assert estimate_wait_s(0, 1, 3, 240.0, ack_s=8.0) == 8.0
    # Six slots all busy, two ahead: the third chat to end, at 6/240 a second.
    assert estimate_wait_s(2, 0, 6, 240.0) == pytest.approx(3 * 240 / 6)
    # Two free slots cover two of the three turns.
    assert estimate_wait_s(2, 2, 6, 240.0) == pytest.approx(240 / 6)
    # Higher classes arriving meanwhile take part of the rate...
    assert estimate_wait_s(0, 0, 6, 240.0, higher_rate=3 / 240) == pytest.approx(240 / 3)
    # ...but never all of it (ageing lifts the customer up).
    assert estimate_wait_s(0, 0, 6, 240.0, higher_rate=1.0) == pytest.approx(240 / 6 / 0.2)


def test_a_new_estimate_is_told_only_when_it_moved_a_lot() -> None:
    assert not changed_a_lot(300.0, 340.0, 0.5, 60.0)  # 40 s: not news
    assert not changed_a_lot(300.0, 420.0, 0.5, 60.0)  # 40 %: not news
    assert changed_a_lot(300.0, 480.0, 0.5, 60.0)
    assert changed_a_lot(600.0, 120.0, 0.5, 60.0)  # shorter counts too
    assert changed_a_lot(None, 120.0, 0.5, 60.0)  # someone can take it now
    assert changed_a_lot(120.0, None, 0.5, 60.0)  # nobody can any more
    assert not changed_a_lot(None, None, 0.5, 60.0)
