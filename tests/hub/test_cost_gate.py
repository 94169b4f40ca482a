"""The gate in front of Rasa serves short messages before long ones that arrived at about
the same time, and never starves a long one (bot.pipeline.rasa_client.CostGate)."""

from __future__ import annotations

import asyncio

import pytest

from bot.pipeline import rasa_client
from bot.pipeline.rasa_client import CostGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _served_order(gate: CostGate, arrivals: list[tuple[str, int]], clock: Clock) -> list[str]:
    served: list[str] = []

    async def one(name: str, chars: int) -> None:
        await gate.acquire(chars)
        served.append(name)

    await gate.acquire(0)  # the one slot is busy while everyone queues
    tasks = []
    for name, chars in arrivals:
        tasks.append(asyncio.create_task(one(name, chars)))
        await asyncio.sleep(0)
        clock.now += 1.0  # one second between arrivals
    for _ in arrivals:
        gate.release()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return served


def test_short_messages_pass_long_ones_that_came_just_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(rasa_client.time, "monotonic", clock)
    gate = CostGate(1, seconds_per_char=0.005)
    order = asyncio.run(
        _served_order(gate, [("flood-1", 2000), ("flood-2", 2000), ("customer", 40)], clock)
    )
    assert order == ["customer", "flood-1", "flood-2"]


def test_a_long_message_is_not_starved(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(rasa_client.time, "monotonic", clock)
    gate = CostGate(1, seconds_per_char=0.005)
    # A 2,000-character message counts as arriving 10 s late: short ones that arrive more
    # than 10 s after it queue behind it.
    arrivals = [("long", 2000)] + [(f"short-{i}", 20) for i in range(15)]
    order = asyncio.run(_served_order(gate, arrivals, clock))
    assert order.index("long") <= 10
    assert order[-1] == "short-14"


def test_a_waiter_that_gives_up_does_not_keep_its_slot() -> None:
    async def scenario() -> bool:
        gate = CostGate(1, seconds_per_char=0.0)
        await gate.acquire(0)
        waiter = asyncio.create_task(gate.acquire(10))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.sleep(0)
        gate.release()
        # The slot is free again: a new caller gets it at once.
        await asyncio.wait_for(gate.acquire(10), timeout=5)
        return gate.waiting == 0

    assert asyncio.run(scenario())
