"""The "where one message's CPU goes" table of docs/benchmarks.md, from the raw profiles
(bench/cpu_profile.py --out: bench/results/cpu_profile-*.json, each with a "before" and an
"after" run). One column per run, one row per part; bench/tables.py puts it in the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
RUNS = ("before", "after")


def _cell(value: float | None, bold: bool = False) -> str:
    if value is None:
        return "–"
    return f"**{value:.1f}**" if bold else f"{value:.1f}"


def cpu_profile_table() -> str:
    files = sorted(
        (
            (path.name.removesuffix(".json"), json.loads(path.read_text(encoding="utf-8")))
            for path in RESULTS.glob("cpu_profile-*.json")
        ),
        key=lambda item: str(item[1]["run"]["date"]),  # oldest run first
    )
    columns: list[tuple[str, dict[str, Any]]] = []
    for stem, data in files:
        for run in RUNS:
            if run in data["result"]:
                columns.append((f"`{stem}` {run}", data["result"][run]))
    threads: list[str] = []
    parts: list[str] = []
    for _, r in columns:
        threads += [k for k in r.get("by_thread_ms_per_msg_proc", {}) if k not in threads]
        parts += [k for k in r["by_part_ms_per_msg"] if k not in parts]
    # Largest first, as the newest run measures them.
    newest = columns[-1][1] if columns else {}
    parts.sort(key=lambda p: -newest.get("by_part_ms_per_msg", {}).get(p, 0.0))
    head = "| ms per message | " + " | ".join(c for c, _ in columns) + " |\n"
    head += "|---|" + "---:|" * len(columns) + "\n"
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
