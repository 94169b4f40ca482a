"""Soak: many customers on every channel against the real hub, Rasa and action server, with
agents answering the queue and, optionally, processes killed mid-run; then the hub's
database is checked against what the clients were told.

Usage:
    .venv/bin/python bench/soak.py --customers N --messages M --max-seconds S \\
        [--channels widget,telegram,zalo,messenger] [--kill hub,rasa,actions] [--burn 2]
    .venv/bin/python bench/soak.py --cluster [--hubs 3] --customers N --messages M \\
        --max-seconds S [--kill hub,rasa,redis]

What runs: `tandem db init --demo`, the action server, Rasa and the hub as subprocesses on
free ports, in their own temporary folder (SQLite databases, index, logs), with Telegram in
webhook mode against a local Bot-API-compatible server (tests/channels/fake_bot_api.py), and
with --channels naming them, Zalo OA and Messenger against local servers speaking their APIs
(tests/channels/fake_platforms.py), their webhook calls signed as the platforms sign them.
Start-up is bounded separately (--startup-seconds); everything after it by --max-seconds.

1. Raw Rasa: N customers send their scripts straight to Rasa's REST channel (own sender
   ids). This is the baseline, and it warms Rasa up.
2. The hub: the same N scripts, customers spread in turn over the ways in --channels names
   (the widget's HTTP API and its websocket, Telegram, Zalo, Messenger; default widget and
   Telegram). Each waits for an answer (at most --reply-wait seconds) and
   pauses 0.3-1 s before its next message; an unacknowledged message is retried with the
   same id until acknowledged. Every fifth customer asks for a person. Two agents sign in,
   claim or acknowledge what reaches the queue, answer each customer message, and resolve
   their conversations once every customer is done.
3. With --kill, each named process gets SIGKILL once (hub after 30 % of the messages were
   acknowledged, Rasa after 50 %, Redis after 60 %, the action server after 70 %) and is
   restarted at once.

With --cluster, the same run goes through HAProxy to --hubs hub replicas and 2 Rasa
servers on PostgreSQL and Redis, started by scripts/cluster.sh in var/soak-cluster (its
own ports and databases); "hub" and "rasa" then kill the first replica of each.

The last line printed is one JSON object:
    sent, stored, lost, duplicated   -- hub messages, checked in the hub's database after
        the run: stored = sent messages found there, lost = acknowledged but not stored,
        duplicated = extra copies of one message
    answered       -- messages whose customer's client received a bot or agent reply that
        addresses them (a hub notice does not count); unanswered = stored - answered;
        answered_in_store = stored messages a bot or agent reply names in the database
        (received or not: the difference is answers that came after the client gave up)
    notices        -- the hub's own notices stored, by kind (bot/i18n/texts.py key)
    handoffs_by_reason, expected_handoffs (customers whose script asked for a person and
        got to ask), false_handoffs (every hand-off for another reason than the customer's
        request: the scripts hold nothing else that requires one; a hand-off because Rasa
        was killed counts too)
    http_5xx       -- 5xx responses from the hub to customers and agents, and by status
        (http_5xx_by_status: 503 is the hub's "busy, retry" answer, which the clients retry;
        anything else is a fault)
    p50_ms, p95_ms, n_hub -- send to the bot's first reply, as the client saw it (agents'
        answers and the hub's notices left out), and how many replies they are taken over
    raw_rasa_p50_ms, raw_rasa_p95_ms, n_raw, raw_rasa_failed -- the same scripts straight
        to Rasa's REST channel before the hub phase; a time-out or empty reply is a failure
    overhead_p50, overhead_p95 (hub / raw), msgs_per_s, throughput_ratio (hub messages
        per second / raw Rasa's), niceness_applied (the hub's /healthz report)
    by_channel     -- per way in: sent, stored, answered, p50_ms, p95_ms and their n
plus the run's parameters and error counts.
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

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import run_record  # noqa: E402
from cpu_burner import add_burn_argument, burning  # noqa: E402
from soak_agents import AgentWorker  # noqa: E402
from soak_clients import (  # noqa: E402
    HttpCustomer,
    RawRasaCustomer,
    Shared,
    WsCustomer,
)
from soak_report import (  # noqa: E402
    channel_report,
    handoff_report,
    niceness,
    notice_counts,
    percentile,
    read_store,
    store_report,
)
from soak_stack import PASSWORD, ClusterStack, Platforms, Stack, log  # noqa: E402
from soak_webhooks import MessengerCustomer, TelegramCustomer, ZaloCustomer  # noqa: E402

AGENTS = ("linh", "minh")
CHANNELS = ("widget", "telegram", "zalo", "messenger")
KILL_AT = {"hub": 0.3, "rasa": 0.5, "redis": 0.6, "actions": 0.7}


# -- scripts ---------------------------------------------------------------------------------
def scripts(customers: int, messages: int, seed: int) -> list[list[str]]:
    """One script per customer: a greeting now and then, FAQ questions, and for every
    fifth customer a request for a person as the last message."""
    texts = yaml.safe_load((Path(__file__).parent / "soak_messages.yaml").read_text())
    rng = random.Random(seed)
    out = []
    for n in range(customers):
        script = [rng.choice(texts["faq"]) for _ in range(messages)]
        if messages > 1 and rng.random() < 0.3:
            script[0] = rng.choice(texts["greeting"])
        if n % 5 == 2:
            script[-1] = rng.choice(texts["human"])
        out.append(script)
    return out


# -- the run ---------------------------------------------------------------------------------
def run_clients(threads: list[threading.Thread], shared: Shared) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, shared.left()) + 5)


def raw_phase(stack: Stack, plans: list[list[str]], deadline: float, args: Any) -> Shared:
    shared = Shared(stack.settings.rasa_url, deadline, args.reply_wait)
    run_id = f"{int(time.time())}"
    threads = [
        threading.Thread(
            target=RawRasaCustomer(shared, n, plan, stack.settings.rasa_url, run_id).run,
            daemon=True,
        )
        for n, plan in enumerate(plans)
    ]
    run_clients(threads, shared)
    return shared


def hub_phase(
    stack: Stack, plans: list[list[str]], deadline: float, args: Any
) -> tuple[Shared, float, list[AgentWorker]]:
    shared = Shared(stack.settings.hub_url, deadline, args.reply_wait)
    customers: list[Any] = []
    # The widget counts twice (its HTTP API and its websocket), so customers spread over
    # every way in that the run names, in turn.
    kinds = [k for c in args.channels for k in (["http", "ws"] if c == "widget" else [c])]
    platforms = stack.platforms
    for n, plan in enumerate(plans):
        kind = kinds[n % len(kinds)]
        if kind == "http":
            customers.append(HttpCustomer(shared, n, plan, args.widget_auth))
        elif kind == "ws":
            customers.append(WsCustomer(shared, n, plan, args.widget_auth))
        elif kind == "telegram":
            customers.append(TelegramCustomer(shared, n, plan, platforms.telegram))
        elif kind == "zalo":
            assert platforms.zalo is not None
            customers.append(ZaloCustomer(shared, n, plan, platforms.zalo))
        else:
            assert platforms.graph is not None
            customers.append(MessengerCustomer(shared, n, plan, platforms.graph))
    threads = [threading.Thread(target=c.run, daemon=True) for c in customers]
    done = threading.Event()
    stop_agents = threading.Event()
    agents = [AgentWorker(shared, name, PASSWORD) for name in AGENTS]
    agent_threads = [
        threading.Thread(target=a.run, args=(stop_agents, done.is_set), daemon=True) for a in agents
    ]
    for t in agent_threads:
        t.start()

    planned = sum(len(p) for p in plans)
    kills = sorted((KILL_AT[name], name) for name in args.kill)

    def killer() -> None:
        for fraction, name in kills:
            while shared.progress < fraction * planned and shared.left() > 0 and not done.is_set():
                time.sleep(0.2)
            if shared.left() <= 0 or done.is_set():
                return
            stack.kill_and_restart(name, max(30.0, shared.left()))

    killer_thread = threading.Thread(target=killer, daemon=True)
    killer_thread.start()
    started = time.monotonic()
    run_clients(threads, shared)
    elapsed = time.monotonic() - started
    killer_thread.join(timeout=max(0.0, shared.left()))
    done.set()  # agents now answer what is left and resolve
    settle = min(time.monotonic() + args.settle, deadline)
    while time.monotonic() < settle:
        report = store_report(read_store(stack.settings.database_url), shared.records)
        if report["unanswered"] == 0 and report["lost"] == 0:
            break
        time.sleep(1.0)
    stop_agents.set()
    for t in agent_threads:
        t.join(timeout=35)
    return shared, elapsed, agents


# -- entry point -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True, help="per customer")
    parser.add_argument(
        "--max-seconds", type=float, required=True, help="limit for the run after start-up"
    )
    parser.add_argument(
        "--kill",
        default="",
        help="comma-separated processes to kill -9 mid-run and restart: hub,rasa,actions",
    )
    parser.add_argument("--startup-seconds", type=float, default=420)
    parser.add_argument("--reply-wait", type=float, default=30, help="per message, seconds")
    parser.add_argument("--settle", type=float, default=30, help="wait for late answers")
    parser.add_argument(
        "--widget-auth",
        choices=("query", "bearer", "both"),
        default="both",
        help="how the widget token is sent (bench/soak_clients.py, WidgetAuth)",
    )
    parser.add_argument(
        "--channels",
        default="widget,telegram",
        help=f"comma-separated ways in for the customers, in turn: {','.join(CHANNELS)}",
    )
    parser.add_argument(
        "--cluster", action="store_true", help="run against scripts/cluster.sh's topology"
    )
    parser.add_argument("--hubs", type=int, default=3, help="hub replicas with --cluster")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--out", help="also write the result with its run context (bench/run_record.py)"
    )
    add_burn_argument(parser)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.kill = [k for k in args.kill.split(",") if k]
    allowed = set(KILL_AT) if args.cluster else set(KILL_AT) - {"redis"}
    unknown = set(args.kill) - allowed
    if unknown:
        parser.error(f"--kill accepts {','.join(allowed)}; got {','.join(sorted(unknown))}")
    args.channels = [c for c in args.channels.split(",") if c]
    if not args.channels or set(args.channels) - set(CHANNELS):
        parser.error(f"--channels accepts {','.join(CHANNELS)}; got {','.join(args.channels)}")
    if args.customers < 1 or args.messages < 1 or args.max_seconds <= 0:
        parser.error("--customers, --messages and --max-seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-soak-"))
    platforms = Platforms.start(args.channels)
    stack = (
        ClusterStack(workdir, platforms, args.hubs) if args.cluster else Stack(workdir, platforms)
    )
    plans = scripts(args.customers, args.messages, args.seed)
    result: dict[str, Any] = {}
    try:
        with burning(args.burn, args.startup_seconds + args.max_seconds + 60):
            log(f"starting hub, Rasa and action server in {workdir}")
            stack.start(args.startup_seconds)
            deadline = time.monotonic() + args.max_seconds
            # The baseline gets at most 40 % of the time, so the hub phase always runs.
            raw_deadline = time.monotonic() + 0.4 * args.max_seconds
            log(f"raw Rasa: {args.customers} customers x {args.messages} messages")
            raw_started = time.monotonic()
            raw = raw_phase(stack, plans, raw_deadline, args)
            raw_elapsed = time.monotonic() - raw_started
            log(f"hub: {args.customers} customers x {args.messages} messages, kill {args.kill}")
            shared, elapsed, agents = hub_phase(stack, plans, deadline, args)
            stored = read_store(stack.settings.database_url)
            report = store_report(stored, shared.records)
            # Latency: to the bot's first reply as the client saw it (agents' answers and
            # the hub's notices left out). n is printed beside every percentile.
            hub_ms = [
                s.latency_ms
                for s in shared.records
                if s.latency_ms is not None and s.reply_sender == "bot"
            ]
            # Raw Rasa: a time-out or an empty reply is a failure, not a missing sample.
            raw_ms = [s.latency_ms for s in raw.records if s.latency_ms is not None]
            p50, raw_p50 = percentile(hub_ms, 0.5), percentile(raw_ms, 0.5)
            p95, raw_p95 = percentile(hub_ms, 0.95), percentile(raw_ms, 0.95)
            hub_rate = report["acked"] / elapsed if elapsed else None
            raw_rate = len(raw_ms) / raw_elapsed if raw_elapsed else None
            # Answered as the customer means it: their client received a bot or agent
            # reply that addresses the message (a notice does not count).
            seen = sum(1 for s in shared.records if s.acked and s.reply_sender in ("bot", "agent"))
            handoffs = handoff_report(stored, shared.records)
            result = {
                "sent": report["sent"],
                "stored": report["stored"],
                "answered": seen,
                "answered_in_store": report["answered"],
                "lost": report["lost"],
                "duplicated": report["duplicated"],
                "unanswered": report["stored"] - seen,
                "notices": notice_counts(stored),
                **handoffs,
                "http_5xx": shared.http_5xx,
                "http_5xx_by_status": {str(k): v for k, v in shared.http_5xx_by_status.items()},
                "p50_ms": p50,
                "p95_ms": p95,
                "n_hub": len(hub_ms),
                "raw_rasa_p50_ms": raw_p50,
                "raw_rasa_p95_ms": raw_p95,
                "n_raw": len(raw_ms),
                "raw_rasa_failed": len(raw.records) - len(raw_ms),
                "overhead_p50": round(p50 / raw_p50, 2) if p50 and raw_p50 else None,
                "overhead_p95": round(p95 / raw_p95, 2) if p95 and raw_p95 else None,
                "msgs_per_s": round(hub_rate, 2) if hub_rate else None,
                "throughput_ratio": round(hub_rate / raw_rate, 2)
                if hub_rate and raw_rate
                else None,
                "niceness_applied": niceness(stack.settings.hub_url),
                "by_channel": channel_report(shared.records, report["stored_by_channel"]),
                "channels": args.channels,
                "acked": report["acked"],
                "handoffs": report["handoffs"],
                "agent_replies": sum(a.replies for a in agents),
                "raw_rasa_sent": len(raw.records),
                "raw_rasa_answered": len(raw_ms),
                "customers": args.customers,
                "messages": args.messages,
                "killed": [name for name, _, _ in stack.down],
                "hubs": args.hubs if args.cluster else 1,
                "burn": args.burn,
                "client_errors": shared.errors,
                "load_avg_1m": round(os.getloadavg()[0], 1),
            }
    finally:
        stack.stop()
        platforms.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    run_record.report(args.out, result, argv)
    return result


if __name__ == "__main__":
    main()
