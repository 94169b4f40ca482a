"""Reporting at scale: a year of history with one million messages, then the supervision
tab's requests timed against it. Target: the dashboard answers in under 1 s.

What runs: a fresh SQLite database (or ``--database-url``) migrated to head; 20 agents and
a supervisor; ``--conversations`` conversations of 10 messages each spread over 365 days
(40 % handed off to a person, a few abandoned, the rest contained by the bot; CSAT on 60 %
and NPS on 30 % of the handled ones), bulk-inserted with Core statements. Their reporting
facts, events and aggregates are built by replaying each conversation through the same
formulas the hub's listener uses (bot.reporting.timeline), the way a back-fill would.
Then the real ASGI app (``create_app``, in-process over httpx) is asked, as the panel asks
when the supervision tab opens: summary, daily series, a breakdown, ratings and the live
wall, for today, 7 and 30 days, and each breakdown dimension over 30 days.

Usage:
    flock /tmp/tandem-cpu.lock .venv/bin/python bench/reporting_scale.py [--conversations 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, event, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.access.passwords import hash_password  # noqa: E402
from bot.reporting import timeline as tl  # noqa: E402
from bot.reporting.models import ReportingConversation, ReportingEvent  # noqa: E402
from bot.reporting.recorder import Aggregates, flush_aggregates  # noqa: E402
from bot.store.db import sync_url  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Conversation, ConversationEvent, Message, User  # noqa: E402

PASSWORD = "bench-password-1"
AGENTS = 20
REASONS = ["customer_request", "fallback", "frustration", "bot_unavailable", "lost_card"]


class History:
    """Rows for the hub's tables and the reporting tables, built in memory."""

    def __init__(self, rng: random.Random, now: datetime, aggregates: Aggregates) -> None:
        self.rng = rng
        self.now = now
        self.convs: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.facts: list[dict[str, Any]] = []
        self.agg = aggregates

    def conversation(self, conv_id: int) -> None:
        rng = self.rng
        start = self.now - timedelta(days=rng.uniform(0, 365))
        channel = "web" if rng.random() < 0.7 else "telegram"
        language = "vi" if rng.random() < 0.8 else "en"
        f = tl.Facts(
            conversation_id=conv_id, channel=channel, channel_key=f"k{conv_id}", language=language
        )
        produced = tl.created(f, start)
        clock = start
        seq = 0
        agent = rng.randint(1, AGENTS)

        def say(sender: str, gap: float) -> None:
            nonlocal clock, seq, produced
            clock += timedelta(seconds=gap)
            seq += 1
            self.messages.append(
                {
                    "conversation_id": conv_id,
                    "seq": seq,
                    "channel": channel,
                    "direction": "in" if sender == "customer" else "out",
                    "sender": sender,
                    "agent_id": agent + 1 if sender == "agent" else None,
                    "text": f"{sender} message {seq}",
                    "payload": {},
                    "created_at": clock,
                }
            )
            produced += tl.message(f, clock, sender, agent + 1 if sender == "agent" else None)

        def move(frm: str, to: str, actor: str) -> None:
            nonlocal produced
            self.events.append(
                {
                    "conversation_id": conv_id,
                    "kind": "state",
                    "from_state": frm,
                    "to_state": to,
                    "actor": actor,
                    "data": {},
                    "created_at": clock,
                }
            )
            produced += tl.state_change(f, clock, frm, to, actor)

        state, resolved_at, csat, nps = "bot", None, None, None
        if rng.random() < 0.4:  # handed off after two bot turns
            for _ in range(2):
                say("customer", rng.uniform(5, 60))
                say("bot", rng.uniform(0.3, 2.5))
            say("customer", rng.uniform(5, 30))
            f.reason = rng.choice(REASONS)
            move("bot", "waiting", "bot")
            if rng.random() < 0.06:  # left the queue
                clock += timedelta(seconds=rng.uniform(300, 1200))
                move("waiting", "closed", "router")
                for _ in range(5):
                    say("system", 1)
                state = "closed"
            else:
                clock += timedelta(seconds=rng.expovariate(1 / 90))
                move("waiting", "assigned", "router")
                produced += tl.assigned(f, agent + 1) + tl.joined(f, clock, agent + 1)
                for _ in range(2):
                    say("agent", rng.uniform(10, 120))
                    say("customer", rng.uniform(10, 90))
                if rng.random() < 0.05:
                    produced += tl.transfer(f, clock)
                say("agent", rng.uniform(10, 120))
                clock += timedelta(seconds=rng.uniform(30, 300))
                move("assigned", "resolved", "agent")
                state, resolved_at = "resolved", clock
                if rng.random() < 0.6:
                    csat = rng.choices([1, 2, 3, 4, 5], [4, 5, 11, 30, 50])[0]
                    produced += tl.csat(f, clock + timedelta(seconds=20), csat)
                if rng.random() < 0.3:
                    nps = rng.choices(range(11), [2, 1, 1, 2, 2, 4, 6, 10, 20, 25, 27])[0]
                    produced += tl.nps(f, clock + timedelta(seconds=60), nps)
                    f.nps_state = "done"
        else:
            for _ in range(5):
                say("customer", rng.uniform(5, 120))
                say("bot", rng.uniform(0.3, 2.5))
            produced += tl.idle(f, clock + timedelta(hours=1), tl.Policy())
        self.convs.append(
            {
                "id": conv_id,
                "channel": channel,
                "channel_key": f"k{conv_id}",
                "language": language,
                "state": state,
                "priority": 0,
                "team": "cards",
                "assigned_to": agent + 1 if f.claimed_at else None,
                "handoff_reason": f.reason,
                "context": {},
                "transfer_count": f.transfers,
                "rasa_episode": 0,
                "csat": csat,
                "nps": nps,
                "created_at": start,
                "resolved_at": resolved_at,
                "agent_joined_at": f.claimed_at,
                "next_seq": seq + 1,
            }
        )
        self.facts.append({k: getattr(f, k) for k in tl.Facts.__dataclass_fields__})
        for ev in produced:
            self.agg.add(ev, f, conv_id)


def build(url: str, conversations: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    upgrade(url)
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        # Loading only: durability does not matter while the history is written.
        @event.listens_for(engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA synchronous=OFF")

    with engine.begin() as conn:
        password = hash_password(PASSWORD)
        users = [
            {
                "id": 1,
                "username": "boss",
                "display_name": "Boss",
                "role": "supervisor",
                "team": "cards",
                "password_hash": password,
                "online": True,
            }
        ]
        users += [
            {
                "id": i + 1,
                "username": f"agent{i}",
                "display_name": f"Agent {i}",
                "role": "agent",
                "team": "cards",
                "password_hash": password,
                "online": i % 3 == 0,
            }
            for i in range(1, AGENTS + 1)
        ]
        conn.execute(insert(User.__table__), users)
    rng = random.Random(13)
    now = datetime.now(timezone.utc)
    # Rollups are summed over the whole history and written once at the end.
    aggregates = Aggregates()
    chunk = 10_000
    messages = 0
    for first in range(1, conversations + 1, chunk):
        history = History(rng, now, aggregates)
        aggregates.events = []
        t_gen = time.perf_counter()
        for conv_id in range(first, min(first + chunk, conversations + 1)):
            history.conversation(conv_id)
        timings["generate_s"] = timings.get("generate_s", 0) + time.perf_counter() - t_gen
        t_ins = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Conversation.__table__), history.convs)
            conn.execute(insert(Message.__table__), history.messages)
            conn.execute(insert(ConversationEvent.__table__), history.events)
            conn.execute(insert(ReportingConversation.__table__), history.facts)
            conn.execute(insert(ReportingEvent.__table__), aggregates.events)
        timings["insert_s"] = timings.get("insert_s", 0) + time.perf_counter() - t_ins
        messages += len(history.messages)
    t_ins = time.perf_counter()
    with engine.begin() as conn:
        flush_aggregates(conn, aggregates, events=False)
    timings["insert_s"] += time.perf_counter() - t_ins
    engine.dispose()
    timings["messages"] = messages
    timings["build_s"] = time.perf_counter() - t0
    return timings


async def measure(url: str, rounds: int) -> dict[str, list[float]]:
    from bot.app import create_app
    from tandem.settings import Settings

    app = create_app(Settings(database_url=url), run_scheduler=False)
    transport = httpx.ASGITransport(app=app)
    results: dict[str, list[float]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = await client.post(
            "/api/auth/login", json={"username": "boss", "password": PASSWORD}
        )
        login.raise_for_status()

        async def timed(name: str, path: str) -> None:
            t0 = time.perf_counter()
            response = await client.get(path)
            response.raise_for_status()
            results.setdefault(name, []).append(time.perf_counter() - t0)

        for _ in range(rounds):
            for r in ("today", "7d", "30d"):
                t0 = time.perf_counter()
                # What the supervision tab asks when it opens (the panel sends them together).
                await timed(f"summary {r}", f"/api/reports/summary?range={r}")
                await timed(f"series {r}", f"/api/reports/series?range={r}")
                await timed(f"breakdown agent {r}", f"/api/reports/breakdown?range={r}&by=agent")
                await timed("ratings", "/api/reports/ratings")
                await timed("live", "/api/reports/live")
                results.setdefault(f"DASHBOARD {r}", []).append(time.perf_counter() - t0)
            for by in ("channel", "language", "reason", "hour"):
                await timed(f"breakdown {by} 30d", f"/api/reports/breakdown?range=30d&by={by}")
            await timed(
                "summary custom 365d",
                "/api/reports/summary?range=custom&start="
                f"{(datetime.now() - timedelta(days=364)).date()}&end={datetime.now().date()}",
            )
            await timed("/api/metrics 30d", "/api/metrics?days=30")
    await app.state.wiring.core.db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/reporting-bench.db"
        built = build(url, args.conversations)
        print(
            f"history: {built['messages']:,} messages, {args.conversations:,} conversations; "
            f"generated in {built['generate_s']:.1f} s, inserted in {built['insert_s']:.1f} s, "
            f"total {built['build_s']:.1f} s"
        )
        results = asyncio.run(measure(url, args.rounds))
    print(f"{'request':28} {'median':>9} {'max':>9}")
    for name, values in results.items():
        print(f"{name:28} {statistics.median(values) * 1000:8.1f}ms {max(values) * 1000:8.1f}ms")


if __name__ == "__main__":
    main()
