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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_table import cpu_profile_table, rasa_profile_table  # noqa: E402
from soak_report import ASKED_REASONS  # noqa: E402

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
        by_reason = r.get("handoffs_by_reason") or {}
        asked = sum(n for reason, n in by_reason.items() if reason in ASKED_REASONS)
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
        "| hub beyond its CPU in the raw batch, ms/msg "
        "| throughput ratio | load (1 min) | commit |\n"
        "|---|---|---|---:|---|---:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for name, data in _load("cpu_per_message-*.json"):
        r, run = data["result"], data["run"]
        for side in ("raw", "hub"):
            d, cpu = r[side], r[side]["cpu_ms_per_msg"]
            own = r["hub_own_cpu_ms_per_msg"] if side == "hub" else "–"
            # The hub's CPU a message less what it spends while the same messages go
            # straight to Rasa (the actions' searches, its background work).
            beyond = (
                round(cpu["hub"] - r["raw"]["cpu_ms_per_msg"]["hub"], 1) if side == "hub" else "–"
            )
            ratio = _ratio(r["throughput_ratio"]) if side == "hub" else "–"
            rows.append(
                f"| `{name.removesuffix('.json')}` | {side} | {d['answered']} / {d['messages']} "
                f"| {d['msgs_per_s']} | {cpu['hub']} ({d['search_cpu_ms_per_msg']}) / "
                f"{cpu['rasa']} / {cpu['actions']} | {r['idle_cpu_pct']['hub']} | {own} "
                f"| {beyond} | {ratio} | {run['load_avg'][0]} | `{run['commit']}` |"
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


def batch_embed_table() -> str:
    """bench/batch_embed.py --out: one row per run (the first file predates the run
    record: its date and load are in the result, its commit was not kept)."""
    head = (
        "| run (file) | texts embedded (of the corpus) | workers, niceness | wall-clock s "
        "| workers' CPU s | CPU s per text | full corpus, machine alone (projected) s "
        "| 1 worker: CPU s per text (texts) | live query p50 / p95 ms before (n) "
        "| during (n) | load before / after (1 min) | commit |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
    )
    rows = []
    for name, data in _load("batch_embed-*.json"):
        r = data.get("result", data)
        run = data.get("run", {})
        every, one, live = r["all_cores"], r["one_worker"], r["live_query_ms"]
        before, during = live["before"], live["during_all_cores"]
        full = r["full_corpus_idle_machine_s_projected"]
        target = "**" if full > r["target_s"] else ""
        rows.append(
            f"| `{name.removesuffix('.json')}` | {every['texts']:,} ({r['texts']:,}) "
            f"| {every['workers']}, {every['nice']} | {every['wall_s']:g} "
            f"| {every['worker_cpu_s']:g} | {every['cpu_s_per_text']:.3f} "
            f"| {target}{full:g}{target} | {one['cpu_s_per_text']:.3f} ({one['texts']}) "
            f"| {before['p50_ms']:g} / {before['p95_ms']:g} ({before['n']}) "
            f"| {during['p50_ms']:g} / {during['p95_ms']:g} ({during['n']}) "
            f"| {r['load_average_before'][0]} / {r['load_average_after'][0]} "
            f"| {'`' + run['commit'] + '`' if run else '–'} |"
        )
    return head + "\n".join(rows) + "\n"


# The routing runs the wait estimate's settings were chosen on (the others were run once,
# after, with nothing changed): bench/routing_sim.py's seeds 1-3 at 85 %, 1 at 70 %.
ROUTING_DEV = {"occ85-seed1", "occ85-seed2", "occ85-seed3", "occ70-seed1"}


def _classes(values: dict[str, float], fmt: str = "{:.0f}") -> str:
    return " / ".join(fmt.format(values[k]) for k in ("urgent", "high", "normal"))


def _routing_table(pattern: str) -> str:
    """bench/routing_sim.py --out: one row per run. The estimate's error: the median of
    |told - waited| / waited over the customers told a wait on entering the queue (the
    contract's figure), then over waits of a minute or more and over two minutes, and in
    seconds for waits below a minute; the same for the single formula, told alike."""
    head = (
        "| run (file) | set | occupancy | wait p50 s, urgent / high / normal | p90 s | max s "
        "| service level | waited with free eligible capacity "
        "| estimate error, all told (n) | waits ≥ 1 min (n) | waits > 2 min (n) "
        "| waits < 1 min, s | 10–90 % range holds the wait | formula: all / ≥ 1 min "
        "| CPU per estimate, mean / p90 ms | run time wall (CPU) s | load (1 min) |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for name, r in _load(pattern):
        stem = name.removesuffix(".json")
        tag = stem.rsplit("-", 2)[-2] + "-" + stem.rsplit("-", 1)[-1]
        e, f = r["estimate_error"], r["formula_estimate_error"]
        cost = r.get("estimate_cpu_ms")
        cost_ms = "–" if cost is None else f"{cost['mean']:.1f} / {cost['p90']:.1f}"
        cpu = "–" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.0f}"
        load = r["load_average"][0] if "load_average" in r else "–"
        kind = "dev" if tag in ROUTING_DEV else "test"
        if (r.get("estimator") or {}).get("known_chat_ends"):
            kind = "bound: knows each chat's end"
        rows.append(
            f"| `{stem}` | {kind} | {r['occupancy']:.3f} "
            f"| {_classes(r['wait_p50_s'])} | {_classes(r['wait_p90_s'])} "
            f"| {_classes(r['wait_max_s'])} "
            f"| {_classes({k: 100 * v for k, v in r['service_level'].items()}, '{:.1f} %')} "
            f"| {r['max_wait_with_free_capacity_s']:g} s "
            f"| **{100 * e['median_abs_error_share_all']:.0f} %** ({e['n']:,}) "
            f"| {100 * e['median_abs_error_share_wait_ge_floor']:.0f} % ({e['n_wait_ge_floor']:,}) "
            f"| {100 * e['median_abs_error_share_wait_over_120_s']:.0f} % "
            f"({e['n_wait_over_120_s']:,}) "
            f"| {e['median_abs_error_s_wait_below_floor']:.1f} "
            f"| {100 * e['range_10_90_coverage']:.0f} % "
            f"| {100 * f['median_abs_error_share_all']:.0f} % / "
            f"{100 * f['median_abs_error_share_wait_ge_floor']:.0f} % "
            f"| {cost_ms} | {r['seconds']:.0f} ({cpu}) | {load} |"
        )
    return head + "\n".join(rows) + "\n"


def routing_before_table() -> str:
    """The runs of the estimate before its told figure aimed at the reachable error."""
    return _routing_table("routing-2026-*.json")


def routing_after_table() -> str:
    return _routing_table("routing_sim-2026-*.json")


TABLES: dict[str, Callable[[], str]] = {
    "batch-embed": batch_embed_table,
    "cpu": cpu_table,
    "cpu-profile": cpu_profile_table,
    "rasa-profile": rasa_profile_table,
    "routing-before": routing_before_table,
    "routing-after": routing_after_table,
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
