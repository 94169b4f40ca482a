"""The scheduler looks at whether waiting customers' estimates moved a lot every
ESTIMATE_EVERY_TICKS ticks, and tells the two-minute updates at every tick."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from bot.handoff import scheduler


def test_estimates_are_looked_at_every_tenth_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    async def census(_hub: Any) -> scheduler.Census:
        return scheduler.Census(queue=True, online=False, callbacks=False)

    async def nothing(_hub: Any) -> None:
        return None

    async def update(_hub: Any, *, estimates: bool = True) -> int:
        seen.append(estimates)
        return 0

    async def run_leased(_db: Any, _name: str, _owner: str, _lease: float, _every: float, duty):  # type: ignore[no-untyped-def]
        for _ in range(2 * scheduler.ESTIMATE_EVERY_TICKS + 1):
            await duty()

    monkeypatch.setattr(scheduler, "census", census)
    monkeypatch.setattr(scheduler.dispatch, "tick", nothing)
    monkeypatch.setattr(scheduler.urgency, "escalate_long_waits", nothing)
    monkeypatch.setattr(scheduler, "update_waiting_customers", update)
    monkeypatch.setattr(scheduler.jobs, "run_leased", run_leased)
    hub = SimpleNamespace(db=None, settings=SimpleNamespace(replica_name="r", job_lease_s=10.0))
    asyncio.run(scheduler.run_forever(hub))  # type: ignore[arg-type]
    assert len(seen) == 2 * scheduler.ESTIMATE_EVERY_TICKS + 1
    assert [i for i, flag in enumerate(seen) if flag] == [
        0,
        scheduler.ESTIMATE_EVERY_TICKS,
        2 * scheduler.ESTIMATE_EVERY_TICKS,
    ]


def test_a_tick_called_on_its_own_looks_at_the_estimates() -> None:
    # Callers other than the loop (and every earlier caller) keep the full check.
    assert scheduler.tick.__kwdefaults__ == {"estimates": True}
    assert scheduler.update_waiting_customers.__kwdefaults__ == {"estimates": True}
