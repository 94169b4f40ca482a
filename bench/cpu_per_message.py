"""CPU per message and throughput at saturation: the hub against raw Rasa, interleaved in
one run under the same concurrency.

Usage:
    .venv/bin/python bench/cpu_per_message.py [--rounds 3] [--messages 10] [--out FILE]

What runs: the soak's stack (bench/soak.py: `tandem db init --demo`, the action server,
Rasa and the hub on free ports in a temporary folder). Then, round after round, the same
batch of FAQ questions goes once straight to Rasa's REST channel and once through the
widget's HTTP API, in alternating order (raw first in odd rounds, hub first in even ones),
so both see the same machine at the same time. Both sides get C customers at once, where C
is the hub's own limit of calls in flight to Rasa (`rasa_concurrency`): raw Rasa gets the
same concurrency the hub gives it. Customers do not pause: this measures saturation. A
message counts as answered when its client got the bot's reply; a time-out or an empty
reply is a failure on either side.

CPU is read from /proc for each process group (hub, Rasa, action server) before and after
each batch; the hub's knowledge searches report their own CPU (`/healthz` `search_cpu_s`),
so the hub's own cost per message is its CPU minus those searches. In the raw batches the
hub still runs the searches the actions ask it for, as it does in production.

The last line printed is one JSON object: per side (`raw`, `hub`) messages, answered,
failed, seconds, msgs_per_s and CPU ms per answered message by process; then
`hub_own_cpu_ms_per_msg` (hub CPU beyond its searches, hub side), `idle_cpu_pct` (each
process's CPU with no customer, measured first, as % of one core), `throughput_ratio` (hub
msgs/s over raw msgs/s), `msgs_per_s_per_core`, `concurrency`, `nproc`, and the load.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import run_record  # noqa: E402
import soak_clients  # noqa: E402
import soak_report  # noqa: E402
import soak_stack  # noqa: E402
from soak_clients import HttpCustomer, RawRasaCustomer, Shared  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(path: Path) -> list[str] | None:
    """The fields of a /proc `stat` file after the command name (which may hold spaces, in
    parentheses), so field n of proc(5) is index n - 3; None once the task has ended."""
    try:
        stat = path.read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def cpu_s(fields: list[str]) -> float:
    """CPU seconds (user + system) of a task from its `stat_fields`."""
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14, 15: utime, stime


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in a process group."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(entry / "stat")
        if fields is not None and int(fields[2]) == pgid:  # field 5: process group
            total += cpu_s(fields)
    return total


def search_cpu_s(hub_url: str) -> float:
    state = httpx.get(f"{hub_url}/healthz", timeout=30).json()
    return float(sum((state.get("search_cpu_s") or {}).values()))


def batch(
    stack: soak_stack.Stack, side: str, scripts: list[list[str]], timeout_s: float, run: str
) -> dict[str, Any]:
    url = stack.settings.hub_url if side == "hub" else stack.settings.rasa_url
    shared = Shared(url, time.monotonic() + timeout_s, reply_wait_s=60)
    if side == "hub":
        clients: list[Any] = [HttpCustomer(shared, n, s, "bearer") for n, s in enumerate(scripts)]
    else:
        clients = [RawRasaCustomer(shared, n, s, url, run) for n, s in enumerate(scripts)]
    groups = {name: proc.pid for name, proc in stack.procs.items()}
    cpu_before = {name: group_cpu_s(pgid) for name, pgid in groups.items()}
    search_before = search_cpu_s(stack.settings.hub_url)
    started = time.monotonic()
    threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, shared.left()) + 5)
    seconds = time.monotonic() - started
    cpu = {name: group_cpu_s(pgid) - cpu_before[name] for name, pgid in groups.items()}
    searches = search_cpu_s(stack.settings.hub_url) - search_before
    answered = sum(1 for s in shared.records if s.reply_sender == "bot")
    per = max(answered, 1)
    return {
        "messages": len(shared.records),
        "answered": answered,
        "failed": len(shared.records) - answered,
        "seconds": round(seconds, 2),
        "msgs_per_s": round(answered / seconds, 2) if seconds else None,
        "cpu_ms_per_msg": {name: round(1000 * v / per, 1) for name, v in cpu.items()},
        "search_cpu_ms_per_msg": round(1000 * searches / per, 1),
        "_cpu_s": cpu,
        "_search_s": searches,
    }


def summed(batches: list[dict[str, Any]]) -> dict[str, Any]:
    answered = sum(b["answered"] for b in batches)
    seconds = sum(b["seconds"] for b in batches)
    per = max(answered, 1)
    names = batches[0]["_cpu_s"].keys()
    cpu = {n: sum(b["_cpu_s"][n] for b in batches) for n in names}
    searches = sum(b["_search_s"] for b in batches)
    return {
        "messages": sum(b["messages"] for b in batches),
        "answered": answered,
        "failed": sum(b["failed"] for b in batches),
        "seconds": round(seconds, 2),
        "msgs_per_s": round(answered / seconds, 2) if seconds else None,
        "cpu_ms_per_msg": {n: round(1000 * v / per, 1) for n, v in cpu.items()},
        "search_cpu_ms_per_msg": round(1000 * searches / per, 1),
        "rounds": [{k: v for k, v in b.items() if not k.startswith("_")} for b in batches],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=10, help="per customer and batch")
    parser.add_argument("--batch-seconds", type=float, default=300, help="limit per batch")
    parser.add_argument("--startup-seconds", type=float, default=420)
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="also write the result with its run context")
    args = parser.parse_args(argv)
    # Saturation: customers send their next question as soon as the answer is in.
    soak_clients.THINK_S = (0.0, 0.0)
    texts = yaml.safe_load((ROOT / "bench" / "soak_messages.yaml").read_text())["faq"]
    workdir = Path(tempfile.mkdtemp(prefix="tandem-cpu-"))
    platforms = soak_stack.Platforms.start(["widget"])
    stack = soak_stack.Stack(workdir, platforms)
    concurrency = stack.settings.rasa_concurrency
    rng = random.Random(args.seed)
    result: dict[str, Any] = {}
    try:
        soak_stack.log(f"starting hub, Rasa and action server in {workdir}")
        stack.start(args.startup_seconds)
        # The hub's background work (scheduler ticks, presence, health probes) with no
        # customer at all: its share is inside every batch's CPU below.
        groups = {name: proc.pid for name, proc in stack.procs.items()}
        idle_before = {n: group_cpu_s(g) for n, g in groups.items()}
        time.sleep(args.idle_seconds)
        idle = {
            n: round(100 * (group_cpu_s(g) - idle_before[n]) / args.idle_seconds, 1)
            for n, g in groups.items()
        }
        soak_stack.log(f"idle CPU % of one core: {idle}")
        sides: dict[str, list[dict[str, Any]]] = {"raw": [], "hub": []}
        for r in range(args.rounds):
            scripts = [
                [rng.choice(texts) for _ in range(args.messages)] for _ in range(concurrency)
            ]
            order = ("raw", "hub") if r % 2 == 0 else ("hub", "raw")
            for side in order:
                done = batch(stack, side, scripts, args.batch_seconds, f"{args.seed}-{r}")
                soak_stack.log(
                    f"round {r + 1} {side}: {done['msgs_per_s']} msgs/s, {done['cpu_ms_per_msg']}"
                )
                sides[side].append(done)
        raw, hub = summed(sides["raw"]), summed(sides["hub"])
        own = hub["cpu_ms_per_msg"]["hub"] - hub["search_cpu_ms_per_msg"]
        nproc = os.cpu_count() or 1
        result = {
            "raw": raw,
            "hub": hub,
            "hub_own_cpu_ms_per_msg": round(own, 1),
            "throughput_ratio": round(hub["msgs_per_s"] / raw["msgs_per_s"], 2)
            if hub["msgs_per_s"] and raw["msgs_per_s"]
            else None,
            "msgs_per_s_per_core": round(hub["msgs_per_s"] / nproc, 2)
            if hub["msgs_per_s"]
            else None,
            "idle_cpu_pct": idle,
            "concurrency": concurrency,
            "rounds": args.rounds,
            "messages_per_customer": args.messages,
            "nproc": nproc,
            "niceness_applied": soak_report.niceness(stack.settings.hub_url),
            "load_avg_1m": round(os.getloadavg()[0], 1),
        }
    finally:
        stack.stop()
        platforms.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    run_record.report(args.out, result, argv)
    return result


if __name__ == "__main__":
    main()
