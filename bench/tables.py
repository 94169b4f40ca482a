"""Build the tables of docs/benchmarks.md from the raw results in bench/results/.

A generated table sits between two markers in the document:

    <!-- table: soak -->
    ...
    <!-- end table -->

and is rewritten from the result files the table reads, one row per file, so every figure
in it has a committed run behind it (with its command, commit, machine, date and load).
The text around the markers is written by hand.

Usage:
    .venv/bin/python bench/tables.py            rewrite the tables in docs/benchmarks.md
    .venv/bin/python bench/tables.py --check    exit 1 if a table is not what its files say
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
BLOCK = re.compile(r"(<!-- table: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S)


def _load(pattern: str) -> list[tuple[str, dict[str, Any]]]:
    """Result files in name order, as (file name, {"run": ..., "result": ...})."""
    return [
        (path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(RESULTS.glob(pattern))
    ]


def _seconds(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.1f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def soak_table() -> str:
    """bench/soak.py --out: one row per run."""
    head = (
        "| run (file) | customers x messages | ways in | --kill | sent / stored / answered "
        "| lost | dup. | notices | hand-offs: asked / expected / false | 5xx "
        "| hub p50 / p95 s (n) | raw Rasa p50 / p95 s (n, failed) | overhead p50 / p95 "
        "| msgs/s | throughput ratio | load (1 min) | commit |\n"
        "|---|---|---|---|---|---:|---:|---|---|---:|---|---|---|---:|---:|---:|---|\n"
    )
    rows = []
    for name, data in _load("soak-*.json"):
        r, run = data["result"], data["run"]
        ways = ",".join(sorted((r.get("by_channel") or {}).keys())) or "widget,telegram"
        notices = ", ".join(f"{k} {v}" for k, v in sorted((r.get("notices") or {}).items()))
        asked = (r.get("handoffs_by_reason") or {}).get("customer_request", 0)
        rows.append(
            f"| `{name.removesuffix('.json')}` | {r['customers']} x {r['messages']} | {ways} "
            f"| {','.join(r.get('killed') or []) or '–'} "
            f"| {r['sent']} / {r['stored']} / {r['answered']} | {r['lost']} | {r['duplicated']} "
            f"| {notices or '–'} | {asked} / {r['expected_handoffs']} / {r['false_handoffs']} "
            f"| {r['http_5xx']} "
            f"| {_seconds(r['p50_ms'])} / {_seconds(r['p95_ms'])} ({r['n_hub']}) "
            f"| {_seconds(r['raw_rasa_p50_ms'])} / {_seconds(r['raw_rasa_p95_ms'])} "
            f"({r['n_raw']}, {r['raw_rasa_failed']}) "
            f"| {_ratio(r['overhead_p50'])} / {_ratio(r['overhead_p95'])} "
            f"| {r['msgs_per_s']} | {_ratio(r['throughput_ratio'])} "
            f"| {run['load_avg'][0]} | `{run['commit']}` |"
        )
    return head + "\n".join(rows) + "\n"


def soak_channels_table() -> str:
    """Per way in, for every soak run that names them."""
    head = (
        "| run (file) | way in | sent / stored / answered | bot p50 / p95 s (n) |\n"
        "|---|---|---|---|\n"
    )
    rows = []
    for name, data in _load("soak-*.json"):
        for way, c in sorted((data["result"].get("by_channel") or {}).items()):
            rows.append(
                f"| `{name.removesuffix('.json')}` | {way} "
                f"| {c['sent']} / {c['stored']} / {c['answered']} "
                f"| {_seconds(c['p50_ms'])} / {_seconds(c['p95_ms'])} ({c['n']}) |"
            )
    return head + "\n".join(rows) + "\n"


def cpu_table() -> str:
    """bench/cpu_per_message.py --out: one row per side and run."""
    head = (
        "| run (file) | side | answered / messages | msgs/s | CPU ms per message: hub "
        "(of it searches) / Rasa / actions | hub idle CPU % | hub own ms/msg "
        "| throughput ratio | load (1 min) | commit |\n"
        "|---|---|---|---:|---|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for name, data in _load("cpu_per_message-*.json"):
        r, run = data["result"], data["run"]
        for side in ("raw", "hub"):
            d, cpu = r[side], r[side]["cpu_ms_per_msg"]
            own = r["hub_own_cpu_ms_per_msg"] if side == "hub" else "–"
            ratio = _ratio(r["throughput_ratio"]) if side == "hub" else "–"
            rows.append(
                f"| `{name.removesuffix('.json')}` | {side} | {d['answered']} / {d['messages']} "
                f"| {d['msgs_per_s']} | {cpu['hub']} ({d['search_cpu_ms_per_msg']}) / "
                f"{cpu['rasa']} / {cpu['actions']} | {r['idle_cpu_pct']['hub']} | {own} "
                f"| {ratio} | {run['load_avg'][0]} | `{run['commit']}` |"
            )
    return head + "\n".join(rows) + "\n"


def _task_name(task: str) -> str:
    """ "bot.handoff.scheduler:run_forever" -> "scheduler.run_forever"."""
    module, _, qualname = task.partition(":")
    return f"{module.rsplit('.', 1)[-1]}.{qualname}"


def sql_table() -> str:
    """bench/sql_per_message.py --out: one row per run."""
    head = (
        "| run (file) | Rasa | statements / transactions per message (first message) "
        "| idle statements / transactions per minute | idle statements per minute, by task "
        "| load (1 min) | commit |\n"
        "|---|---|---|---|---|---:|---|\n"
    )
    rows = []
    for name, data in _load("sql_per_message-*.json"):
        r, run = data["result"], data["run"]
        per, first = r["per_message"], r["first_message"]
        tasks = ", ".join(
            f"{_task_name(task)} {count:g}"
            for task, count in sorted(r["idle_by_task"].items(), key=lambda kv: -kv[1])
        )
        rows.append(
            f"| `{name.removesuffix('.json')}` | {r['hub']} "
            f"| {per['statements']} / {per['transactions']} "
            f"({first['statements']} / {first['transactions']}) "
            f"| {r['idle_statements_per_min']:g} / {r['idle_transactions_per_min']:g} "
            f"| {tasks} | {run['load_avg'][0]} | `{run['commit']}` |"
        )
    return head + "\n".join(rows) + "\n"


TABLES: dict[str, Callable[[], str]] = {
    "cpu": cpu_table,
    "sql": sql_table,
    "soak": soak_table,
    "soak-channels": soak_channels_table,
}


def render(text: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in TABLES:
            raise SystemExit(f"docs/benchmarks.md names an unknown table: {name}")
        return match.group(1) + TABLES[name]() + match.group(4)

    return BLOCK.sub(fill, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            print("docs/benchmarks.md is out of date: run bench/tables.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
