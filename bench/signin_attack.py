"""Sign-in attack: does throttling hold, and does the hub stay responsive meanwhile?

Usage:
    .venv/bin/python bench/signin_attack.py [--attempts 40] [--threads 4] [--max-seconds 120]

What runs: a real hub subprocess (``tandem hub``, demo mode, a fresh SQLite database with
the demo accounts, Rasa down, a free port on 127.0.0.1), as the tests start it. Once its
knowledge index has loaded (so start-up work does not skew the figures):

1. baseline: a widget call (``POST /api/widget/session``) measured back to back;
2. one account: ``--attempts`` wrong-password guesses for one real agent account from
   ``--threads`` threads, while the widget call is measured. A thread that gets a 429
   waits out its Retry-After (up to a minute) and sends the guess again; a lockout makes
   it give up its guesses. Then the right password, which must be refused while the
   account is locked;
3. spraying: ``--attempts`` guesses spread over as many different usernames, sent as fast
   as the hub answers (no account reaches its own limit, so these are real Argon2
   verifications until the address limit applies), the widget call measured again.

Prints one JSON line: status counts per phase, Retry-After seen, the lockout, the alerts
supervisors got, and the widget call's median / p95 in milliseconds per phase. Bounded:
a fixed number of attempts, and every phase stops at ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.stack import DEMO_PASSWORD, HubProcess  # noqa: E402

TARGET = "linh"
PATIENCE_S = 60
# Loopback has every 127.x.y.z: each phase's attacker has an address of its own, so the
# per-address limits of one phase do not leak into the next or onto the widget probe.
ONE_ACCOUNT_FROM = "127.0.0.2"
SPRAYING_FROM = "127.0.0.3"
WIDGET_BODY = {"site": "demo-bank"}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies_ms: list[float]) -> dict[str, Any]:
    return {
        "n": len(latencies_ms),
        "median_ms": round(statistics.median(latencies_ms), 1) if latencies_ms else None,
        "p95_ms": round(percentile(latencies_ms, 0.95) or 0, 1) if latencies_ms else None,
        "max_ms": round(max(latencies_ms), 1) if latencies_ms else None,
    }


class WidgetProbe(threading.Thread):
    """Calls the widget API back to back and keeps each call's latency."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, timeout=30)
        self.latencies_ms: list[float] = []
        self.errors = 0
        self.stop = threading.Event()

    def call(self) -> None:
        start = time.perf_counter()
        response = self.client.post("/api/widget/session", json=WIDGET_BODY)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code == 200:
            self.latencies_ms.append(elapsed)
        else:
            self.errors += 1

    def run(self) -> None:
        while not self.stop.is_set():
            self.call()


def baseline(url: str, calls: int) -> dict[str, Any]:
    probe = WidgetProbe(url)
    for _ in range(5):  # warm the connection and the hub's code paths
        probe.call()
    probe.latencies_ms.clear()
    for _ in range(calls):
        probe.call()
    return summary(probe.latencies_ms)


def attack(
    url: str,
    usernames: list[str],
    threads: int,
    max_seconds: float,
    source: str,
    patient: bool,
) -> dict[str, Any]:
    """One wrong-password guess per entry of ``usernames``, from ``threads`` threads sending
    from the address ``source``, with the widget call measured for as long as it runs. A
    patient attacker waits out a Retry-After of up to PATIENCE_S and sends the guess again;
    a longer one (a lockout) makes it give the guess up."""
    requests: list[tuple[int, str | None]] = []
    outcomes: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    work = list(enumerate(usernames))

    def attacker() -> None:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(base_url=url, timeout=60, transport=transport) as client:
            while time.monotonic() < deadline:
                with lock:
                    if not work:
                        return
                    i, username = work.pop(0)
                while True:
                    response = client.post(
                        "/api/auth/login", json={"username": username, "password": f"guess-{i}"}
                    )
                    retry_after = response.headers.get("retry-after")
                    with lock:
                        requests.append((response.status_code, retry_after))
                    wait = int(retry_after) if retry_after else None
                    if (
                        response.status_code != 429
                        or not patient
                        or wait is None
                        or wait > PATIENCE_S
                        or time.monotonic() + wait > deadline
                    ):
                        break
                    time.sleep(wait)
                with lock:
                    outcomes.append("checked" if response.status_code == 401 else "refused")

    probe = WidgetProbe(url)
    probe.call()
    probe.latencies_ms.clear()
    probe.start()
    started = time.perf_counter()
    workers = [threading.Thread(target=attacker) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()) + 5)
    duration = time.perf_counter() - started
    probe.stop.set()
    probe.join(30)
    return {
        "guesses": len(outcomes),
        "guesses_checked": outcomes.count("checked"),
        "guesses_refused": outcomes.count("refused"),
        "requests": len(requests),
        "seconds": round(duration, 2),
        "status": dict(sorted(Counter(str(s) for s, _ in requests).items())),
        "retry_after_s": sorted({int(r) for status, r in requests if status == 429 and r}),
        "widget": summary(probe.latencies_ms),
        "widget_errors": probe.errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--baseline-calls", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per phase")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="signin-attack-") as tmp:
        hub = HubProcess(Path(tmp), index_dir=Path(tmp) / "index")
        hub.init_db()
        hub.start()
        try:
            hub.wait_knowledge(timeout_s=args.max_seconds * 2)
            before = baseline(hub.url, args.baseline_calls)
            one_account = attack(
                hub.url,
                [TARGET] * args.attempts,
                args.threads,
                args.max_seconds,
                source=ONE_ACCOUNT_FROM,
                patient=True,
            )
            # The real agent, from an address of their own, with the right password.
            right = httpx.post(
                f"{hub.url}/api/auth/login",
                json={"username": TARGET, "password": DEMO_PASSWORD},
                timeout=30,
            )
            one_account["right_password_after"] = {
                "status": right.status_code,
                "retry_after_s": int(right.headers.get("retry-after", 0)),
            }
            spraying = attack(
                hub.url,
                [f"user{i:03d}" for i in range(args.attempts)],
                args.threads,
                args.max_seconds,
                source=SPRAYING_FROM,
                patient=False,
            )
            # Read from the database: the attack has this address throttled by now.
            with sqlite3.connect(Path(tmp) / "hub.db") as db:
                alerts = [
                    text
                    for (text,) in db.execute(
                        "SELECT text FROM alerts WHERE kind = 'brute_force' ORDER BY id"
                    )
                ]
        finally:
            hub.stop()

    print(
        json.dumps(
            {
                "bench": "signin_attack",
                "attempts": args.attempts,
                "threads": args.threads,
                "nproc": os.cpu_count(),
                "loadavg_1m": round(os.getloadavg()[0], 2),
                "widget_baseline": before,
                "one_account": one_account,
                "spraying": spraying,
                "brute_force_alerts": alerts,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
