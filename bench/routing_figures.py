"""The figures of a routing simulation run (bench/routing_sim.py): waits by class, service
levels, and how far the waits the customers were told were from the waits they had.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Protocol

from bot.handoff import estimate
from bot.handoff.routing import CLASS_NAMES, HIGH, NORMAL, URGENT

CLASS_MIX = {URGENT: 0.15, HIGH: 0.25, NORMAL: 0.60}
# The hub's defaults (bot/config/settings.py routing_service_level_s).
SERVICE_LEVEL_S = {URGENT: 60.0, HIGH: 180.0, NORMAL: 300.0}
MEAN_HANDLE_S = 240.0
FLOOR_S = 60.0  # below this true wait the error is read in seconds, not as a share


@dataclass
class Conv:
    id: int
    priority: int
    skill: str
    entered: float
    handle_s: float
    estimate_s: float | None = None
    low_s: float | None = None  # the forecast's 10-90 % range
    high_s: float | None = None
    formula_s: float | None = None  # the single-formula estimate, for comparison
    offered_at_entry: bool = False
    waited_free_s: float = 0.0
    wait_s: float | None = None


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class SimState(Protocol):
    """What the figures read from a finished simulation."""

    convs: dict[int, Conv]
    rate: float
    slots: int
    present_slot_s: float
    busy_slot_s: float
    last_t: float

    def mean_handle_s(self) -> float: ...


def summary(sim: SimState) -> dict[str, object]:
    """The run's figures: waits by class, service levels, estimate errors, Erlang C."""
    served = [c for c in sim.convs.values() if c.wait_s is not None]
    by_class = {cls: [c.wait_s or 0.0 for c in served if c.priority == cls] for cls in CLASS_MIX}
    told = [c for c in served if not c.offered_at_entry and c.estimate_s is not None and c.wait_s]
    errors = [abs(c.estimate_s - c.wait_s) / c.wait_s for c in told]  # type: ignore[operator]
    # Customers told a minute or more: the panel words the estimate in whole minutes.
    errors_1min = [
        abs(c.estimate_s - c.wait_s) / c.wait_s  # type: ignore[operator]
        for c in told
        if (c.estimate_s or 0) >= 60
    ]
    formula_told = [c for c in told if c.formula_s is not None]
    waits = [c.wait_s or 0.0 for c in served]
    mean_handle = sim.mean_handle_s()
    present_share = sim.present_slot_s / max(sim.last_t, 1.0) / sim.slots
    servers = round(sim.slots * present_share)
    return {
        "conversations": len(served),
        "occupancy_target": sim.rate * MEAN_HANDLE_S / (sim.slots * present_share),
        "occupancy": sim.busy_slot_s / max(sim.present_slot_s, 1.0),
        "wait_p50_s": {CLASS_NAMES[k]: pct(v, 0.5) for k, v in by_class.items()},
        "wait_p90_s": {CLASS_NAMES[k]: pct(v, 0.9) for k, v in by_class.items()},
        "wait_max_s": {CLASS_NAMES[k]: max(v, default=0.0) for k, v in by_class.items()},
        "service_level": {
            CLASS_NAMES[k]: sum(w <= SERVICE_LEVEL_S[k] for w in v) / max(len(v), 1)
            for k, v in by_class.items()
        },
        "service_level_target_s": {CLASS_NAMES[k]: v for k, v in SERVICE_LEVEL_S.items()},
        "max_wait_with_free_capacity_s": max(
            (c.waited_free_s for c in sim.convs.values()), default=0.0
        ),
        "estimate_median_abs_error_share": statistics.median(errors) if errors else 0.0,
        "estimated_customers": len(errors),
        "estimate_median_abs_error_share_told_1min_or_more": (
            statistics.median(errors_1min) if errors_1min else 0.0
        ),
        "estimated_customers_told_1min_or_more": len(errors_1min),
        "estimate_error": error_figures(told, "estimate_s"),
        "formula_estimate_error": error_figures(formula_told, "formula_s"),
        "wait_mean_s": statistics.fmean(waits) if waits else 0.0,
        "share_waited_over_10_s": sum(w > 10 for w in waits) / max(len(waits), 1),
        "erlang_c": {
            "servers": servers,
            "p_wait": estimate.erlang_c(servers, sim.rate * mean_handle),
            "wait_mean_s": estimate.erlang_c_wait_s(servers, sim.rate, mean_handle),
            "wait_p90_s": estimate.erlang_c_wait_quantile_s(servers, sim.rate, mean_handle, 0.9),
        },
        "simulated_hours": sim.last_t / 3600,
    }


def error_figures(told: list[Conv], field: str) -> dict[str, float | int | None]:
    """The error of the estimate told on entering the queue against the true wait: as a
    share of the true wait for waits of ``FLOOR_S`` or more (and over two minutes), in
    seconds below it, where a share of a few seconds' wait says little (told 8 s, waited
    4 s is 100 %), and as a share over all of them, the figure that hides nothing."""

    def err(c: Conv) -> float:
        return abs(getattr(c, field) - (c.wait_s or 0.0))

    long = [c for c in told if (c.wait_s or 0.0) >= FLOOR_S]
    longer = [c for c in told if (c.wait_s or 0.0) > 120.0]
    short = [c for c in told if (c.wait_s or 0.0) < FLOOR_S]

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else 0.0

    return {
        "n": len(told),
        "median_abs_error_share_all": median([err(c) / (c.wait_s or 1.0) for c in told]),
        "n_wait_ge_floor": len(long),
        "median_abs_error_share_wait_ge_floor": median([err(c) / (c.wait_s or 1.0) for c in long]),
        "n_wait_over_120_s": len(longer),
        "median_abs_error_share_wait_over_120_s": median(
            [err(c) / (c.wait_s or 1.0) for c in longer]
        ),
        "n_wait_below_floor": len(short),
        "median_abs_error_s_wait_below_floor": median([err(c) for c in short]),
        "p90_abs_error_s_wait_below_floor": pct([err(c) for c in short], 0.9),
        "median_signed_error_s": median([getattr(c, field) - (c.wait_s or 0.0) for c in told]),
        # Share of true waits inside the forecast's told 10-90 % range (80 % if calibrated).
        "range_10_90_coverage": (
            sum(1 for c in told if (c.low_s or 0.0) <= (c.wait_s or 0.0) <= (c.high_s or 0.0))
            / max(1, len(told))
            if field == "estimate_s"
            else None
        ),
        "floor_s": FLOOR_S,
    }
