"""A short routing simulation (bench/routing_sim.py): its contract holds and nobody waits
while an eligible agent could take an offer. Its figures belong in docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLASSES = {"urgent", "high", "normal"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "routing_sim.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def test_a_short_simulation_keeps_its_contract_and_wastes_no_free_capacity() -> None:
    done = run("--conversations", "400", "--occupancy", "0.85", "--seed", "7", "--agents", "6")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["conversations"] == 400
    for key in ("seconds", "occupancy", "max_wait_with_free_capacity_s"):
        assert isinstance(result[key], int | float), key
    for key in ("wait_p50_s", "wait_p90_s", "wait_max_s", "service_level"):
        assert set(result[key]) == CLASSES, key
    assert all(0 <= v <= 1 for v in result["service_level"].values())
    assert result["max_wait_with_free_capacity_s"] == 0
    assert result["estimate_median_abs_error_share"] >= 0
    assert 0 < result["occupancy"] < 1
    # Every told estimate's CPU time is measured (its cost per call in the hub).
    cost = result["estimate_cpu_ms"]
    assert cost["calls"] >= result["estimated_customers"]
    assert 0 <= cost["p50"] <= cost["p90"] <= cost["max"]


def test_the_same_seed_gives_the_same_queue() -> None:
    a, b = (run("--conversations", "150", "--occupancy", "0.7", "--seed", "3") for _ in range(2))
    first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in (a, b))
    for key in ("wait_p90_s", "service_level", "estimate_median_abs_error_share"):
        assert first[key] == second[key]


def test_the_bound_knows_the_chats_ends_and_says_so() -> None:
    args = ("--conversations", "300", "--occupancy", "0.85", "--seed", "2", "--agents", "6")
    bound, hub = run(*args, "--known-chat-ends"), run(*args)
    first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in (bound, hub))
    assert first["estimator"]["known_chat_ends"] is True
    assert second["estimator"]["known_chat_ends"] is False
    # The same queue: only what the estimate is told differs.
    assert first["wait_p90_s"] == second["wait_p90_s"]


def test_bad_arguments_are_refused() -> None:
    for args in (("--occupancy", "1.2"), ("--conversations", "0"), ("--agents", "0")):
        done = run(*args)
        assert done.returncode == 2 and "must be" in done.stderr, args
