"""Suggestion latency: from the moment a customer sends a message to the moment its
suggestions arrive on a signed-in agent's websocket.

Usage:
    flock /tmp/tandem-cpu.lock .venv/bin/python bench/suggestion_latency.py [--messages 300]
    .venv/bin/python bench/suggestion_latency.py --customers 50 --burn 2   # a busy hour

`--customers N` runs N customers writing at once, pausing `--think` seconds (uniform in a
range) between their messages as a person typing does; the default, one customer with no
pause, measures one message at a time. `--burn N` runs N CPU busy loops for the whole run
(bench/cpu_burner.py).

What runs: the real hub (``create_app`` under uvicorn, as `tandem hub` serves it) in its own
process, on a temporary SQLite database seeded with the demo customers, over an index of the
demo corpus plus ``--synthetic`` generated FAQ entries (10,000 by default), in a temporary
index folder. This process is the outside world: an agent signs in over HTTP and opens
``/api/ws/agent``, and the customers post messages through the widget API, all on one
asyncio loop. Rasa is down, so conversations queue for a human, as they do when agents
use the panel.

Latency per message = time the suggestions event is read off the websocket minus the time
the customer's client posted it (both on this machine's clock), so the wait for intake's
write lock counts; until 2026-12-07 the clock started at the stored ``created_at``. The
last line also splits it into consecutive stages (``to_store``: the post until the row's
``created_at``), timed inside the hub (the assist hook's
calls, the search thread) and here (delivery), and gives the hub's event-loop lag.

The synthetic entries are filler that makes the index the size of a real bank's: their
text is real (keyword search works through it), but their passage vectors are a nearby
perturbation of a few dozen real template embeddings instead of one model call each, which
would take hours on two cores. Queries, and every demo entry, use the real model; search
cost does not depend on the vector values.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import run_record  # noqa: E402
from cpu_burner import add_burn_argument, burning  # noqa: E402
from suggestion_corpus import (  # noqa: E402
    fake_passage_vectors,
    synthetic_entries,
    synthetic_texts,
    write_corpus,
)
from suggestion_stages import Stages, percentile, stage_figures  # noqa: E402
from widget_auth import WidgetAuth  # noqa: E402

from bot.access.passwords import hash_password  # noqa: E402
from bot.api.widget_identity import sign_customer  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.search.priority import set_niceness  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.seed import load_demo_data, seed_customers, seed_users  # noqa: E402
from knowledge.text import fold_diacritics  # noqa: E402
from tandem.settings import DEMO_SECRET, Settings  # noqa: E402

PASSWORD = "bench-password"


def bench_settings(tmp: Path, port: int) -> Settings:
    """The hub's settings, the same in the measuring process and the hub's own."""
    return Settings(
        mode="demo",
        database_url=f"sqlite:///{tmp / 'hub.db'}",
        corpus_dir=tmp / "corpus",
        index_dir=tmp / "index",
        # A private cache: the synthetic vectors must never reach the shared one.
        embedding_cache_dir=tmp / "cache",
        rasa_url="http://127.0.0.1:9",
        hub_url=f"http://127.0.0.1:{port}",
        # Every customer here writes from 127.0.0.1; in a bank's traffic each has an
        # address of their own, so the per-address limit is lifted (as bench/soak_stack.py does).
        intake_address_messages_per_min=1_000_000,
        intake_address_chars_per_min=1_000_000_000,
    )


async def seed(settings: Settings) -> None:
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    data = load_demo_data()
    async with db.session() as session:
        await seed_customers(session, data)
        await seed_users(session, data, PASSWORD, hash_password=hash_password)
    await db.dispose()


# ---- the hub's process ----------------------------------------------------------------


def serve(tmp: Path, port: int) -> None:
    """The hub, as `tandem hub` runs it, in this (separate) process; marks written at exit."""
    stages = Stages()
    stages.install()
    restore = fake_passage_vectors(
        synthetic_texts(yaml.safe_load((tmp / "corpus" / "zz-synthetic.yaml").read_text()))
    )
    settings = bench_settings(tmp, port)
    app = create_app(settings, run_scheduler=False)

    lag_tasks: list[asyncio.Future[None]] = []

    async def lag_sampler() -> None:
        lag_tasks.append(asyncio.ensure_future(stages.sample_loop_lag()))

    async def write_marks() -> None:
        # In the app's shutdown, not after uvicorn.run: uvicorn re-raises SIGTERM on its way out.
        restore()
        (tmp / "stages.json").write_text(
            json.dumps({"marks": stages.marks, "loop_lag_ms": stages.loop_lag_ms})
        )

    app.state.wiring.startup.append(lag_sampler)
    app.state.wiring.shutdown.append(write_marks)
    set_niceness(settings.hub_niceness)  # as tandem.commands.serve_hub does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="auto")


def demo_queries() -> list[str]:
    queries = []
    for path in sorted((ROOT / "knowledge" / "corpus").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for lang_qs in (entry.get("questions") or {}).values():
                queries.extend(lang_qs)
    queries += [fold_diacritics(q) for q in queries if fold_diacritics(q) != q]
    return queries + ["còn phí thì sao?", "and the fee?", "ok", "cảm ơn, còn hạn mức?"]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--synthetic", type=int, default=10_000)
    ap.add_argument("--json", type=Path, help="also write the figures here, with the run's context")
    ap.add_argument("--trace", type=Path, help="write each message's stage times (JSON) here")
    ap.add_argument("--customers", type=int, default=1, help="customers writing at once")
    ap.add_argument(
        "--think", default="0.02,0.02", help="pause between one customer's messages: MIN,MAX s"
    )
    ap.add_argument("--max-seconds", type=float, default=900, help="limit for the whole run")
    ap.add_argument(
        "--stagger",
        action="store_true",
        help="each customer starts after a random pause in the think range, not all at once "
        "(50 first messages in the same instant each open a conversation through SQLite's "
        "one writer: the last waits seconds)",
    )
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the hub's own process
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    add_burn_argument(ap)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    with burning(args.burn, args.max_seconds):
        figures = asyncio.run(measure(args))
    # Saved with the run's context (commit, machine, load, command), printed as the last line.
    run_record.report(args.json, figures)


def start_hub(tmp: Path, port: int, deadline: float) -> subprocess.Popen[bytes]:
    hub = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(tmp), "--port", str(port)],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise SystemExit(f"the hub exited with {hub.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=5).json().get("knowledge") == "ready":
                return hub
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    hub.kill()
    raise SystemExit("the hub's index was not ready before the deadline")


def stop_hub(hub: subprocess.Popen[bytes]) -> None:
    hub.send_signal(signal.SIGTERM)
    try:
        hub.wait(timeout=30)
    except subprocess.TimeoutExpired:
        hub.kill()
        hub.wait()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.max_seconds
    think = tuple(float(x) for x in args.think.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    port = free_port()
    settings = bench_settings(tmp, port)
    write_corpus(tmp, synthetic_entries(args.synthetic))
    await seed(settings)
    started_index = time.monotonic()
    hub = await asyncio.to_thread(start_hub, tmp, port, deadline)
    print(f"hub ready, index built in {time.monotonic() - started_index:.0f} s", flush=True)
    try:
        run = await drive(args, f"http://127.0.0.1:{port}", think, deadline)
    finally:
        await asyncio.to_thread(stop_hub, hub)
    marks_file = tmp / "stages.json"
    recorded = json.loads(marks_file.read_text()) if marks_file.exists() else {}
    timeline = run.pop("timeline")
    if args.trace:
        marks = recorded.get("marks") or {}
        args.trace.write_text(
            json.dumps({mid: {**marks.get(str(mid), {}), **t} for mid, t in timeline.items()})
        )
    return {**run, **stage_figures(recorded, timeline)}


async def drive(
    args: argparse.Namespace, base: str, think: tuple[float, ...], deadline: float
) -> dict[str, Any]:
    """Sign an agent in, open its websocket, and let the customers write."""
    http = httpx.AsyncClient(base_url=base, timeout=30)
    login = await http.post("/api/auth/login", json={"username": "linh", "password": PASSWORD})
    login.raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    arrived: dict[int, asyncio.Future[float]] = {}

    def waiter(mid: int) -> asyncio.Future[float]:
        return arrived.setdefault(mid, asyncio.get_running_loop().create_future())

    ready = asyncio.Event()

    async def receive() -> None:
        async with ws_connect(
            base.replace("http", "ws") + "/api/ws/agent", additional_headers={"Cookie": cookie}
        ) as ws:
            ready.set()
            async for raw in ws:
                now = time.time()
                event = json.loads(raw)
                if event.get("type") == "suggestions":
                    future = waiter(int(event["message_id"]))
                    if not future.done():
                        future.set_result(now)

    receiver = asyncio.create_task(receive())
    await asyncio.wait_for(ready.wait(), 30)

    ids = ["C001", "C002", "C003", "C004", "C005"]
    auths = []
    for i in range(max(8, args.customers)):
        cid = ids[i] if i < len(ids) else None
        body: dict[str, str] = {"site": "demo-bank"}
        if cid:
            body |= {"customer_id": cid, "signature": sign_customer(DEMO_SECRET, cid)}
        token = (await http.post("/api/widget/session", json=body)).json()["token"]
        auths.append(WidgetAuth(token))

    queries = demo_queries()
    latencies: list[float] = []
    timeline: dict[int, dict[str, float]] = {}
    load_before = os.getloadavg()[0]

    async def send(client: httpx.AsyncClient, auth: WidgetAuth, text: str) -> float:
        """Post one message; its latency in ms from the moment the customer sends it until
        its suggestions reach the agent's socket (intake's write lock included)."""
        sent = time.time()
        reply = await client.post(
            "/api/widget/messages", json=auth.body({"text": text}), headers=auth.headers()
        )
        reply.raise_for_status()
        msg = reply.json()["message"]
        stored = datetime.fromisoformat(msg["created_at"]).timestamp()
        mid = int(msg["id"])
        try:
            received = await asyncio.wait_for(
                asyncio.shield(waiter(mid)), max(1.0, deadline - time.monotonic())
            )
        except TimeoutError:
            raise SystemExit(f"no suggestions for message {mid} before the deadline") from None
        timeline[mid] = {"sent": sent, "stored": stored, "received": received}
        return (received - sent) * 1000

    warm = random.Random(11)
    for _ in range(args.warmup):
        await send(http, warm.choice(auths), warm.choice(queries))
    timeline.clear()

    async def customer(n: int, count: int) -> None:
        rng = random.Random(100 + n)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            if args.stagger:
                # People arrive at different moments, not all in the same millisecond.
                await asyncio.sleep(rng.uniform(0, think[-1]))
            for _ in range(count):
                if time.monotonic() >= deadline:
                    return
                latencies.append(await send(client, auths[n], rng.choice(queries)))
                await asyncio.sleep(rng.uniform(*think))

    share = [
        args.messages // args.customers + (n < args.messages % args.customers)
        for n in range(args.customers)
    ]
    started = time.monotonic()
    await asyncio.gather(*(customer(n, c) for n, c in enumerate(share)))
    elapsed = time.monotonic() - started
    receiver.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
        await receiver
    # Which CPU priorities the hub asked for and got (it needs privilege to raise them).
    niceness = (await http.get("/healthz")).json().get("niceness")
    await http.aclose()
    return {
        "messages": len(latencies),
        "entries": args.synthetic,
        "customers": args.customers,
        "think_s": list(think),
        "burn": args.burn,
        "stagger": args.stagger,
        "msgs_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "niceness_applied": niceness,
        "timeline": timeline,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
