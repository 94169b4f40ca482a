"""The "where one message's CPU goes" table of docs/benchmarks.md, from the raw profiles
(bench/cpu_profile.py --out: bench/results/cpu_profile-*.json, each with a "before" and an
"after" run). One column per run, one row per part; bench/tables.py puts it in the page.

A file may hold repeats (labels "before-2", "after-3", ...: runs taken in turn on a
shared machine): its "before" and "after" columns are then each row's median over the
runs of that label, named "(median of n)".
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
RUNS = ("before", "after")


def _cell(value: float | None, bold: bool = False) -> str:
    if value is None:
        return "–"
    return f"**{value:.1f}**" if bold else f"{value:.1f}"


def _columns(
    pattern: str, median: Callable[[list[dict[str, Any]]], dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """One column per file and run label ("before", "after"), oldest file first; a label
    with repeats ("before-2", ...) is their ``median``, named "(median of n)"."""
    files = sorted(
        (
            (path.name.removesuffix(".json"), json.loads(path.read_text(encoding="utf-8")))
            for path in RESULTS.glob(pattern)
        ),
        key=lambda item: str(item[1]["run"]["date"]),
    )
    columns: list[tuple[str, dict[str, Any]]] = []
    for stem, data in files:
        for run in RUNS:
            repeats = [r for label, r in data["result"].items() if label.split("-")[0] == run]
            if len(repeats) == 1:
                columns.append((f"`{stem}` {run}", repeats[0]))
            elif repeats:
                columns.append((f"`{stem}` {run} (median of {len(repeats)})", median(repeats)))
    return columns


def _parts_and_head(columns: list[tuple[str, dict[str, Any]]]) -> tuple[list[str], str]:
    """The parts any column has, largest first as the newest run measures them, and the
    table's head."""
    parts: list[str] = []
    for _, r in columns:
        parts += [k for k in r["by_part_ms_per_msg"] if k not in parts]
    newest = columns[-1][1] if columns else {}
    parts.sort(key=lambda p: -newest.get("by_part_ms_per_msg", {}).get(p, 0.0))
    head = "| ms per message | " + " | ".join(c for c, _ in columns) + " |\n"
    head += "|---|" + "---:|" * len(columns) + "\n"
    return parts, head


def cpu_profile_table() -> str:
    columns = _columns("cpu_profile-*.json", _median)
    threads: list[str] = []
    for _, r in columns:
        threads += [k for k in r.get("by_thread_ms_per_msg_proc", {}) if k not in threads]
    parts, head = _parts_and_head(columns)
    rows = [
        "| hub CPU per message (/proc) | "
        + " | ".join(_cell(r["hub_cpu_ms_per_msg_proc"], bold=True) for _, r in columns)
        + " |",
        "| hub CPU with nobody writing, % of a core | "
        + " | ".join(_cell(r.get("idle_cpu_pct")) for _, r in columns)
        + " |",
        "| load average (1 min) at the start | "
        + " | ".join(_cell(r.get("load_avg_1m")) for _, r in columns)
        + " |",
    ]
    for thread in threads:
        rows.append(
            f"| /proc, {thread} | "
            + " | ".join(
                _cell(r.get("by_thread_ms_per_msg_proc", {}).get(thread)) for _, r in columns
            )
            + " |"
        )
    rows.append(
        "| py-spy samples, all | "
        + " | ".join(_cell(r["sampled_ms_per_msg"]) for _, r in columns)
        + " |"
    )
    rows.append(
        "| py-spy samples left out: event loop inside uvloop, aiosqlite threads waiting | "
        + " | ".join(_cell(r.get("waits_or_uvloop_ms_per_msg")) for _, r in columns)
        + " |"
    )
    for part in parts:
        rows.append(
            f"| samples: {part} | "
            + " | ".join(_cell(r["by_part_ms_per_msg"].get(part)) for _, r in columns)
            + " |"
        )
    return head + "\n".join(rows) + "\n"


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over repeated runs (a part a run did not sample counts as 0)."""

    def mid(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    out: dict[str, Any] = {}
    for key in ("hub_cpu_ms_per_msg_proc", "idle_cpu_pct", "load_avg_1m"):
        out[key] = mid([r.get(key) for r in runs])
    for key in ("sampled_ms_per_msg", "waits_or_uvloop_ms_per_msg"):
        out[key] = mid([r.get(key) for r in runs])
    for key in ("by_thread_ms_per_msg_proc", "by_part_ms_per_msg"):
        names = {name for r in runs for name in r.get(key, {})}
        out[key] = {n: mid([r.get(key, {}).get(n, 0.0) for r in runs]) for n in sorted(names)}
    return out


def rasa_profile_table() -> str:
    """bench/rasa_profile.py --out: Rasa's CPU per message by part, one column per run
    label (before, after; repeats as medians)."""
    columns = _columns("rasa_profile-*.json", _rasa_median)
    parts, head = _parts_and_head(columns)
    rows = [
        "| Rasa CPU per message (/proc) | "
        + " | ".join(_cell(r["rasa_cpu_ms_per_msg"], bold=True) for _, r in columns)
        + " |",
        "| action server CPU per message (/proc) | "
        + " | ".join(_cell(r["actions_cpu_ms_per_msg"]) for _, r in columns)
        + " |",
        "| messages a second (4 at once) | "
        + " | ".join(_cell(r["msgs_per_s"]) for _, r in columns)
        + " |",
        "| load average (1 min) at the start | "
        + " | ".join(_cell(r["load_avg_1m"]) for _, r in columns)
        + " |",
    ]
    for part in parts:
        rows.append(
            f"| {part} | "
            + " | ".join(_cell(r["by_part_ms_per_msg"].get(part)) for _, r in columns)
            + " |"
        )
    return head + "\n".join(rows) + "\n"


def _rasa_median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("rasa_cpu_ms_per_msg", "actions_cpu_ms_per_msg", "msgs_per_s", "load_avg_1m")
    out: dict[str, Any] = {key: statistics.median(r[key] for r in runs) for key in keys}
    names = {n for r in runs for n in r["by_part_ms_per_msg"]}
    out["by_part_ms_per_msg"] = {
        n: statistics.median(r["by_part_ms_per_msg"].get(n, 0.0) for r in runs) for n in names
    }
    return out
