"""Soak: many customers on every channel against the real hub, Rasa and action server, with
agents answering the queue and, optionally, processes killed mid-run; then the hub's
database is checked against what the clients were told.

Usage:
    .venv/bin/python bench/soak.py --customers N --messages M --max-seconds S \\
        [--kill hub,rasa,actions] [--burn 2]
    .venv/bin/python bench/soak.py --cluster [--hubs 3] --customers N --messages M \\
        --max-seconds S [--kill hub,rasa,redis]

What runs: `tandem db init --demo`, the action server, Rasa and the hub as subprocesses on
free ports, in their own temporary folder (SQLite databases, index, logs), with Telegram in
webhook mode against a local Bot-API-compatible server (tests/channels/fake_bot_api.py).
Start-up is bounded separately (--startup-seconds); everything after it by --max-seconds.

1. Raw Rasa: N customers send their scripts straight to Rasa's REST channel (own sender
   ids). This is the baseline, and it warms Rasa up.
2. The hub: the same N scripts, customers spread over the widget's HTTP API, the widget's
   websocket and Telegram. Each waits for an answer (at most --reply-wait seconds) and
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
    notices        -- the hub's own notices stored, by kind (bot/texts.py key)
    handoffs_by_reason, expected_handoffs (customers whose script asked for a person and
        got to ask), false_handoffs (every hand-off for another reason than the customer's
        request: the scripts hold nothing else that requires one; a hand-off because Rasa
        was killed counts too)
    http_5xx       -- 5xx responses from the hub to customers and agents
    p50_ms, p95_ms, n_hub -- send to the bot's first reply, as the client saw it (agents'
        answers and the hub's notices left out), and how many replies they are taken over
    raw_rasa_p50_ms, raw_rasa_p95_ms, n_raw, raw_rasa_failed -- the same scripts straight
        to Rasa's REST channel before the hub phase; a time-out or empty reply is a failure
    overhead_p50, overhead_p95 (hub / raw), msgs_per_s, throughput_ratio (hub messages
        per second / raw Rasa's), niceness_applied (the hub's /healthz report)
plus the run's parameters and error counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from cpu_burner import add_burn_argument, burning  # noqa: E402
from soak_clients import (  # noqa: E402
    TELEGRAM_SECRET,
    AgentWorker,
    HttpCustomer,
    RawRasaCustomer,
    Sent,
    Shared,
    TelegramCustomer,
    TimedBotApi,
    WsCustomer,
)

from tandem import processes  # noqa: E402
from tandem.rasa_model import model_path  # noqa: E402
from tandem.settings import Settings  # noqa: E402
from tests.channels.fake_bot_api import TOKEN as TELEGRAM_TOKEN  # noqa: E402
from tests.support.stack import free_port  # noqa: E402

PASSWORD = "soak-demo-password"
SERVICE_TOKEN = "soak-service-token-0123456789"
KILL_AT = {"hub": 0.3, "rasa": 0.5, "redis": 0.6, "actions": 0.7}
CLUSTER_SCRIPT = ROOT / "scripts" / "cluster.sh"
CLUSTER_PORT = 28080
AGENTS = ("linh", "minh")


def log(text: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {text}", flush=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


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


def rasa_answers(rasa_url: str) -> bool:
    """Rasa is loaded and answering: a warm-up message gets a reply (raises when it is not
    reachable yet)."""
    response = httpx.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": "soak-warmup", "message": "xin chào"},
        timeout=60,
    )
    return bool(response.json())


# -- the stack -------------------------------------------------------------------------------
@dataclass
class Stack:
    """Hub, Rasa and action server on free ports in one temporary folder."""

    workdir: Path
    api: TimedBotApi
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    down: list[tuple[str, float, float]] = field(default_factory=list)  # name, from, to

    def __post_init__(self) -> None:
        env = {
            "TANDEM_MODE": "demo",
            "TANDEM_VAR_DIR": str(self.workdir),
            "TANDEM_HUB_PORT": str(free_port()),
            "TANDEM_RASA_PORT": str(free_port()),
            "TANDEM_ACTION_PORT": str(free_port()),
            "TANDEM_INDEX_DIR": str(self.workdir / "index"),
            "TANDEM_SERVICE_TOKEN": SERVICE_TOKEN,
            "TANDEM_TELEGRAM_MODE": "webhook",
            "TANDEM_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "TANDEM_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TANDEM_TELEGRAM_BASE_URL": self.api.base_url,
            # Every soak customer comes from this machine's one address, where on the
            # internet each has their own: lift the per-address intake limits (the
            # per-visitor ones stay, and a soak customer keeps within them).
            "TANDEM_INTAKE_ADDRESS_MESSAGES_PER_MIN": "1000000",
            "TANDEM_INTAKE_ADDRESS_CHARS_PER_MIN": "1000000000",
            "PYTHONPATH": str(ROOT),
        }
        for name in (
            "TANDEM_HUB_URL",
            "TANDEM_RASA_URL",
            "TANDEM_ACTION_URL",
            "TANDEM_DATABASE_URL",
        ):
            os.environ.pop(name, None)
        os.environ.update(env)  # the children inherit it (tandem/processes.py)
        self.settings = Settings(_env_file=None)
        self.logs = self.workdir / "logs"

    def start(self, timeout_s: float) -> None:
        subprocess.run(
            [str(processes.TANDEM_BIN), "db", "init", "--demo", "--password", PASSWORD],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for name in ("actions", "rasa", "hub"):
            self.procs[name] = self._spawn(name)
        deadline = time.monotonic() + timeout_s
        for name in ("actions", "rasa", "hub"):
            if not self.wait_ready(name, deadline):
                raise RuntimeError(f"{name} did not start; see {self.logs}")
        while time.monotonic() < deadline:
            state = httpx.get(f"{self.settings.hub_url}/healthz", timeout=10).json()
            if state.get("knowledge") == "ready":
                return
            time.sleep(0.5)
        raise RuntimeError("the hub's knowledge index did not load")

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        if name == "actions":
            return processes.start_action_server(self.settings, self.logs)
        if name == "rasa":
            return processes.start_rasa(self.settings, model_path(), self.logs)
        return processes.start_hub(self.settings, self.logs)

    def wait_ready(self, name: str, deadline: float) -> bool:
        proc = self.procs[name]
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if name == "actions":
                    ok = httpx.get(f"{self.actions_base}/health", timeout=5).status_code == 200
                elif name == "rasa":
                    ok = rasa_answers(self.settings.rasa_url)
                else:
                    ok = httpx.get(f"{self.settings.hub_url}/healthz", timeout=5).status_code < 500
                if ok:
                    return True
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        return False

    @property
    def actions_base(self) -> str:
        return f"http://127.0.0.1:{self.settings.action_port}"

    def kill_and_restart(self, name: str, timeout_s: float) -> None:
        """SIGKILL the process group we started, start it again, wait until it answers."""
        started = time.time()
        proc = self.procs[name]
        log(f"kill -9 {name} (pid {proc.pid})")
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        self.procs[name] = self._spawn(name)
        ready = self.wait_ready(name, time.monotonic() + timeout_s)
        log(f"{name} {'back' if ready else 'NOT back'} after {time.time() - started:.1f} s")
        self.down.append((name, started, time.time()))

    def stop(self) -> None:
        for proc in self.procs.values():
            processes.stop(proc)


class ClusterStack(Stack):
    """The same, as a cluster: scripts/cluster.sh's hubs, Rasa servers, PostgreSQL and Redis
    behind HAProxy. Clients use the balanced addresses."""

    def __init__(self, workdir: Path, api: TimedBotApi, hubs: int) -> None:
        super().__init__(workdir, api)
        self.hubs = hubs
        self.env = {
            **os.environ,
            "CLUSTER_DIR": str(ROOT / "var" / "soak-cluster"),
            "CLUSTER_PORT": str(CLUSTER_PORT),
            "CLUSTER_PORT_BASE": str(CLUSTER_PORT + 20),
            "CLUSTER_HUBS": str(hubs),
            "CLUSTER_DB": "tandem_soak",
            "TANDEM_DEMO_PASSWORD": PASSWORD,
        }
        for name in ("TANDEM_VAR_DIR", "TANDEM_INDEX_DIR", "TANDEM_SERVICE_TOKEN"):
            self.env.pop(name, None)
        self.settings = Settings(
            _env_file=None,
            hub_url=f"http://127.0.0.1:{CLUSTER_PORT}",
            rasa_url=f"http://127.0.0.1:{CLUSTER_PORT + 1}",
            action_url=f"http://127.0.0.1:{CLUSTER_PORT + 2}/webhook",
        )
        self.logs = Path(self.env["CLUSTER_DIR"]) / "logs"

    def _script(self, *args: str) -> None:
        subprocess.run([str(CLUSTER_SCRIPT), *args], env=self.env, check=True, cwd=ROOT)

    def start(self, timeout_s: float) -> None:
        self._script("stop")
        subprocess.run(
            [str(CLUSTER_SCRIPT), "start", "--fresh"],
            env=self.env,
            check=True,
            cwd=ROOT,
            timeout=timeout_s,
        )
        url_file = Path(self.env["CLUSTER_DIR"]) / "database.url"
        self.settings.database_url = url_file.read_text().strip()
        self.wait_ready("rasa", time.monotonic() + timeout_s)

    def wait_ready(self, name: str, deadline: float) -> bool:
        while time.monotonic() < deadline:
            try:
                if name == "rasa":
                    ok = rasa_answers(self.settings.rasa_url)
                else:
                    ok = (
                        httpx.get(f"{self.settings.hub_url}/healthz", timeout=5).json()["realtime"]
                        == "redis"
                    )
                if ok:
                    return True
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        return False

    @property
    def actions_base(self) -> str:
        return f"http://127.0.0.1:{CLUSTER_PORT + 2}"

    def kill_and_restart(self, name: str, timeout_s: float) -> None:
        target = {"hub": "hub-1", "rasa": "rasa-1", "actions": "actions-1"}.get(name, name)
        started = time.time()
        log(f"kill -9 {target}")
        self._script("kill", target)
        self._script("restart", target)
        port = {"hub-1": CLUSTER_PORT + 21, "rasa-1": CLUSTER_PORT + 41}.get(target)
        deadline = time.monotonic() + timeout_s
        ready = False
        while time.monotonic() < deadline and not ready:
            try:
                if port is not None:
                    ready = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code < 500
                else:
                    ready = self.wait_ready("hub", deadline)
            except httpx.HTTPError:
                time.sleep(0.5)
        log(f"{target} {'back' if ready else 'NOT back'} after {time.time() - started:.1f} s")
        # Recorded under the replica's name: its twin serves meanwhile, so a hand-off for a
        # bot failure in this window still counts as false (false_handoffs).
        self.down.append((target, started, time.time()))

    def stop(self) -> None:
        self._script("stop")


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
    for n, plan in enumerate(plans):
        kind = n % 3
        if kind == 0:
            customers.append(HttpCustomer(shared, n, plan, args.widget_auth))
        elif kind == 1:
            customers.append(WsCustomer(shared, n, plan, args.widget_auth))
        else:
            customers.append(TelegramCustomer(shared, n, plan, stack.api))
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
        report = store_report(stack.settings.database_url, shared.records)
        if report["unanswered"] == 0 and report["lost"] == 0:
            break
        time.sleep(1.0)
    stop_agents.set()
    for t in agent_threads:
        t.join(timeout=35)
    return shared, elapsed, agents


# -- what the hub stored ---------------------------------------------------------------------
def read_store(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Customer messages, outbound messages and hand-offs from the hub's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    queries = {
        "inbound": "SELECT id, conversation_id, seq, channel, channel_message_id, created_at "
        "FROM messages WHERE sender = 'customer'",
        "outbound": "SELECT id, conversation_id, seq, sender, reply_to, text "
        "FROM messages WHERE direction = 'out'",
        "handoffs": "SELECT conversation_id, note, created_at FROM conversation_events "
        "WHERE kind = 'state' AND to_state = 'waiting'",
        # Conversations given back to the bot when it recovered (bot.pipeline.router).
        "returns": "SELECT conversation_id, created_at FROM conversation_events "
        "WHERE kind = 'state' AND to_state = 'bot' AND note = 'bot is back'",
    }
    try:
        with engine.connect() as conn:
            return {
                name: [dict(row._mapping) for row in conn.execute(text(sql))]
                for name, sql in queries.items()
            }
    finally:
        engine.dispose()


def store_report(database_url: str, records: list[Sent]) -> dict[str, int]:
    store = read_store(database_url)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in store["inbound"]:
        # Widget ids are stored as "<thread>:<client id>", Telegram's as the update id.
        key = (row["channel_message_id"] or "").rsplit(":", 1)[-1]
        by_key.setdefault(key, []).append(row)
    replied = {row["reply_to"] for row in store["outbound"] if row["reply_to"] is not None}
    # A notice from the hub answers a message only while people own the conversation.
    answered_by = {
        row["reply_to"]
        for row in store["outbound"]
        if row["reply_to"] is not None and row["sender"] in ("bot", "agent")
    }
    returned: dict[int, list[float]] = {}
    for row in store["returns"]:
        returned.setdefault(row["conversation_id"], []).append(_timestamp(row["created_at"]))
    agent_seq: dict[int, int] = {}
    for row in store["outbound"]:
        if row["sender"] == "agent":
            cid = row["conversation_id"]
            agent_seq[cid] = max(agent_seq.get(cid, 0), row["seq"])
    counts = {"sent": 0, "acked": 0, "stored": 0, "lost": 0, "duplicated": 0, "answered": 0}
    for sent in records:
        counts["sent"] += 1
        counts["acked"] += sent.acked
        rows = by_key.get(sent.key, [])
        if not rows:
            counts["lost"] += sent.acked
            continue
        counts["stored"] += 1
        counts["duplicated"] += len(rows) - 1
        first = min(rows, key=lambda r: r["id"])
        back_to_bot = any(
            at >= _timestamp(first["created_at"])
            for at in returned.get(first["conversation_id"], [])
        )
        noticed = first["id"] in replied and not back_to_bot
        if (
            first["id"] in answered_by
            or noticed
            or agent_seq.get(first["conversation_id"], 0) > first["seq"]
        ):
            counts["answered"] += 1
    counts["unanswered"] = counts["stored"] - counts["answered"]
    counts["handoffs"] = len(store["handoffs"])
    return counts


def _timestamp(at: Any) -> float:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=timezone.utc)
    return float(at.timestamp())


# The soak scripts hold FAQ questions, greetings and requests for a person: the only
# hand-off the customer asked for is "customer_request", and no intent in them requires one.
ASKED_REASONS = frozenset({"customer_request"})


def handoff_report(store: dict[str, list[dict[str, Any]]], records: list[Sent]) -> dict[str, Any]:
    """Hand-offs by reason, the ones the scripts asked for, and the false ones: every
    hand-off the customer did not ask for, whatever the cause (a bot failure while Rasa
    was killed is one too: the customer still ends up in the queue without asking)."""
    by_reason: dict[str, int] = {}
    for row in store["handoffs"]:
        reason = str(row["note"] or "unknown")
        by_reason[reason] = by_reason.get(reason, 0) + 1
    human = set(yaml.safe_load((Path(__file__).parent / "soak_messages.yaml").read_text())["human"])
    asked_customers = {
        s.customer for s in records if s.acked and s.text in human and s.channel != "raw-rasa"
    }
    false = sum(n for reason, n in by_reason.items() if reason not in ASKED_REASONS)
    return {
        "handoffs_by_reason": dict(sorted(by_reason.items())),
        "expected_handoffs": len(asked_customers),
        "false_handoffs": false,
    }


def notice_counts(store: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """The hub's notices stored during the run, by kind (bot/texts.py key)."""
    from soak_clients import notice_kind

    counts: dict[str, int] = {}
    for row in store["outbound"]:
        if row["sender"] in ("bot", "agent"):
            continue
        kind = notice_kind(str(row["text"] or ""))
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def niceness(hub_url: str) -> dict[str, Any]:
    """What the hub asked for and got (GET /healthz), as every benchmark reports it."""
    try:
        return dict(httpx.get(f"{hub_url}/healthz", timeout=10).json().get("niceness") or {})
    except (httpx.HTTPError, ValueError):
        return {}


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
        "--cluster", action="store_true", help="run against scripts/cluster.sh's topology"
    )
    parser.add_argument("--hubs", type=int, default=3, help="hub replicas with --cluster")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
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
    if args.customers < 1 or args.messages < 1 or args.max_seconds <= 0:
        parser.error("--customers, --messages and --max-seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-soak-"))
    api = TimedBotApi().start()
    stack = ClusterStack(workdir, api, args.hubs) if args.cluster else Stack(workdir, api)
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
            report = store_report(stack.settings.database_url, shared.records)
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
            stored = read_store(stack.settings.database_url)
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
        api.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
