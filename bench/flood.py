"""Flood: ordinary customers beside visitors who paste long messages as fast as they can,
against the real hub, Rasa and action server (bench/soak.py's stack, on free ports).

Usage:
    .venv/bin/python bench/flood.py --flooders 8 --seconds 60 --customers 20

1. Phase 1, no flood: --customers customers on the widget's websocket ask FAQ questions
   (bench/soak_messages.yaml) for --seconds; each waits for the bot's answer (at most
   45 s, as long as the widget's HTTP fallback waits), then thinks 1-3 s.
2. Phase 2, flood: the same customers again, and --flooders anonymous visitors, each
   sending one 4,000-character message a second over the widget's websocket.
3. Recovery: seconds from the end of the flood until the hub has no message left to route.

Every client connects from its own loopback address (127.0.1.x customers, 127.0.2.x
flooders), so the per-address limits see what they would see on the internet.

The last line printed is one JSON object:
    customer_p95_ms, customer_p50_ms, n        -- send to the bot's first answer, flood phase
    customer_p95_ms_without_flood, ..._p50_..., n_without_flood -- the same, phase 1
    p95_ratio                                  -- flood p95 / phase-1 p95 (target <= 2)
    faq_failures                               -- FAQ questions (both phases) answered with
        the "hệ thống ... gián đoạn" notice, or not answered within 45 s (target 0)
    recovery_s                                 -- flood end until no work item is pending
    flood_sent, flood_accepted, flood_refused  -- the flooders' messages
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from soak_report import percentile  # noqa: E402
from soak_stack import Platforms, Stack, log  # noqa: E402

SITE = "demo-bank"
REPLY_WAIT_S = 45.0
FAILURE_MARK = "gián đoạn"  # actions/texts.py: the knowledge service did not answer
FLOOD_CHARS = 4000
# The soak lifts the per-address limits (its customers share one address); here every
# client has an address of its own, so the hub runs with its defaults.
LIFTED = ("TANDEM_INTAKE_ADDRESS_MESSAGES_PER_MIN", "TANDEM_INTAKE_ADDRESS_CHARS_PER_MIN")


@dataclass
class Answer:
    phase: str
    latency_ms: float | None  # None: no answer within REPLY_WAIT_S
    text: str = ""


@dataclass
class Results:
    answers: list[Answer] = field(default_factory=list)
    flood_sent: int = 0
    flood_accepted: int = 0
    flood_refused: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def widget_socket(hub_url: str, address: str) -> ClientConnection:
    """A widget session and its authenticated websocket, from ``address``."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=hub_url, timeout=30, transport=transport) as http:
        response = http.post("/api/widget/session", json={"site": SITE})
        response.raise_for_status()
        token = response.json()["token"]
    ws = connect(
        f"{hub_url.replace('http', 'ws', 1)}/api/widget/ws",
        open_timeout=15,
        source_address=(address, 0),
    )
    ws.send(json.dumps({"type": "auth", "token": token}))
    ready = json.loads(ws.recv(timeout=15))
    if ready.get("type") != "ready":
        raise RuntimeError(f"widget socket not ready: {ready}")
    return ws


def frames(ws: ClientConnection, until: float) -> Any:
    """Frames received before ``until`` (monotonic)."""
    while (left := until - time.monotonic()) > 0:
        try:
            raw = ws.recv(timeout=left)
        except TimeoutError:
            return
        with contextlib.suppress(ValueError):
            frame = json.loads(raw)
            if isinstance(frame, dict):
                yield frame


class Customer:
    def __init__(self, n: int, hub_url: str, questions: list[str], results: Results) -> None:
        self.n, self.hub_url, self.results = n, hub_url, results
        self.rng = random.Random(n)
        self.questions = questions
        self.address = f"127.0.1.{n + 1}"

    def run(self, phase: str, stop_at: float) -> None:
        try:
            ws = widget_socket(self.hub_url, self.address)
        except (OSError, WebSocketException, httpx.HTTPError, RuntimeError):
            self.results.error("customer-connect")
            return
        with ws:
            while time.monotonic() < stop_at:
                self.ask(ws, phase, self.rng.choice(self.questions))
                time.sleep(self.rng.uniform(1.0, 3.0))

    def ask(self, ws: ClientConnection, phase: str, text: str) -> None:
        client_id = uuid.uuid4().hex
        sent_at = time.monotonic()
        try:
            ws.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))
            message_id = None
            for frame in frames(ws, sent_at + REPLY_WAIT_S):
                if frame.get("type") == "ack" and frame.get("client_id") == client_id:
                    message_id = frame["message"]["id"]
                elif frame.get("type") == "error" and frame.get("client_id") == client_id:
                    self.results.error(f"customer-{frame.get('code')}")
                    return
                elif frame.get("type") == "message" and message_id is not None:
                    msg = frame["message"]
                    if msg.get("reply_to") == message_id and msg.get("sender") != "customer":
                        latency = (time.monotonic() - sent_at) * 1000
                        with self.results.lock:
                            self.results.answers.append(Answer(phase, latency, msg["text"]))
                        return
        except (OSError, WebSocketException):
            self.results.error("customer-drop")
            return
        with self.results.lock:
            self.results.answers.append(Answer(phase, None))


class Flooder:
    def __init__(self, n: int, hub_url: str, results: Results) -> None:
        self.n, self.hub_url, self.results = n, hub_url, results
        self.address = f"127.0.2.{n + 1}"
        self.rng = random.Random(1000 + n)
        words = "thẻ phí lãi suất hạn mức chuyển khoản tài khoản sao kê mã PIN ngân hàng".split()
        self.words = words

    def text(self) -> str:
        out: list[str] = []
        while sum(len(w) + 1 for w in out) < FLOOD_CHARS:
            out.append(self.rng.choice(self.words) + str(self.rng.randint(0, 999)))
        return " ".join(out)[:FLOOD_CHARS]

    def run(self, stop_at: float) -> None:
        try:
            ws = widget_socket(self.hub_url, self.address)
        except (OSError, WebSocketException, httpx.HTTPError, RuntimeError):
            self.results.error("flooder-connect")
            return
        with ws:
            tick = time.monotonic()
            while tick < stop_at:
                frame = {"type": "message", "text": self.text(), "client_id": uuid.uuid4().hex}
                try:
                    ws.send(json.dumps(frame))
                except (OSError, WebSocketException):
                    self.results.error("flooder-drop")
                    return
                with self.results.lock:
                    self.results.flood_sent += 1
                tick += 1.0
                for reply in frames(ws, min(tick, stop_at)):
                    with self.results.lock:
                        if reply.get("type") == "ack":
                            self.results.flood_accepted += 1
                        elif reply.get("code") == "rate_limited":
                            self.results.flood_refused += 1


def pending_items(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM work_items WHERE status = 'pending'")
            ).scalar()
    finally:
        engine.dispose()
    return int(count or 0)


def phase(
    customers: list[Customer],
    flooders: list[Flooder],
    name: str,
    seconds: float,
    database_url: str,
    recovery_limit_s: float,
) -> float | None:
    """Run one phase. With flooders, returns the seconds from the flood's end until no
    work item was pending (None: not within ``recovery_limit_s``)."""
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=c.run, args=(name, stop_at)) for c in customers]
    threads += [threading.Thread(target=f.run, args=(stop_at,)) for f in flooders]
    for t in threads:
        t.start()
    recovery_s: float | None = None
    if flooders:
        # Watched while the customers finish their last questions.
        time.sleep(max(0.0, stop_at - time.monotonic()))
        while time.monotonic() < stop_at + recovery_limit_s:
            if pending_items(database_url) == 0:
                recovery_s = round(time.monotonic() - stop_at, 1)
                break
            time.sleep(0.5)
    for t in threads:
        t.join(timeout=max(0.0, stop_at + REPLY_WAIT_S + 30 - time.monotonic()))
    return recovery_s


def summary(results: Results, recovery_s: float | None, args: Any) -> dict[str, Any]:
    def latencies(name: str) -> list[float]:
        return [a.latency_ms for a in results.answers if a.phase == name and a.latency_ms]

    calm, flood = latencies("calm"), latencies("flood")
    p95, p95_calm = percentile(flood, 0.95), percentile(calm, 0.95)
    failures = sum(1 for a in results.answers if a.latency_ms is None or FAILURE_MARK in a.text)
    return {
        "customer_p95_ms": p95,
        "customer_p50_ms": percentile(flood, 0.5),
        "n": len(flood),
        "customer_p95_ms_without_flood": p95_calm,
        "customer_p50_ms_without_flood": percentile(calm, 0.5),
        "n_without_flood": len(calm),
        "p95_ratio": round(p95 / p95_calm, 2) if p95 and p95_calm else None,
        "faq_failures": failures,
        "unanswered": sum(1 for a in results.answers if a.latency_ms is None),
        "recovery_s": recovery_s,
        "flood_sent": results.flood_sent,
        "flood_accepted": results.flood_accepted,
        "flood_refused": results.flood_refused,
        "errors": results.errors,
        "flooders": args.flooders,
        "customers": args.customers,
        "seconds": args.seconds,
        "date": date.today().isoformat(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60, help="each phase")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--startup-seconds", type=float, default=420)
    parser.add_argument("--recovery-seconds", type=float, default=300, help="at most")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-flood-"))
    platforms = Platforms.start(["widget"])
    stack = Stack(workdir, platforms)
    for name in LIFTED:
        os.environ.pop(name, None)
    questions = yaml.safe_load((Path(__file__).parent / "soak_messages.yaml").read_text())["faq"]
    results = Results()
    try:
        log(f"starting hub, Rasa and action server in {workdir}")
        stack.start(args.startup_seconds)
        hub_url = stack.settings.hub_url
        customers = [Customer(n, hub_url, questions, results) for n in range(args.customers)]
        db_url = stack.settings.database_url
        log(f"phase 1: {args.customers} customers, {args.seconds:.0f} s")
        phase(customers, [], "calm", args.seconds, db_url, 0)
        flooders = [Flooder(n, hub_url, results) for n in range(args.flooders)]
        log(f"phase 2: the same and {args.flooders} flooders, {args.seconds:.0f} s")
        recovery_s = phase(
            customers, flooders, "flood", args.seconds, db_url, args.recovery_seconds
        )
        result = summary(results, recovery_s, args)
    finally:
        stack.stop()
        platforms.stop()
    line = json.dumps(result, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(line + "\n")
    print(line, flush=True)
    return result


if __name__ == "__main__":
    main()
