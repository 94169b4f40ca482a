"""Suggestion latency: from the moment the hub stores a customer message to the moment its
suggestions arrive on a signed-in agent's websocket.

Usage:
    flock /tmp/tandem-cpu.lock .venv/bin/python bench/suggestion_latency.py [--messages 300]
    .venv/bin/python bench/suggestion_latency.py --customers 50 --burn 2   # a busy hour

`--customers N` runs N customers writing at once, each in its own thread, pausing
`--think` seconds (uniform in a range) between its messages as a person typing does;
the default, one customer with no pause, measures one message at a time. `--burn N` runs
N CPU busy loops for the whole run (bench/cpu_burner.py).

What runs: the real hub (``create_app``) served by uvicorn in this process, on a temporary
SQLite database seeded with the demo customers, over an index of the demo corpus plus
``--synthetic`` generated FAQ entries (10,000 by default), in a temporary index folder. An
agent signs in over HTTP and opens ``/api/ws/agent`` from its own thread; customers post
messages through the widget API. Rasa is down, so conversations queue
for a human, as they do when agents use the panel.

Latency per message = time the suggestions event is read off the websocket minus the
message's stored ``created_at`` (set just before the commit, so the figure errs high).

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
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
import yaml
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from cpu_burner import add_burn_argument, burning  # noqa: E402
from widget_auth import WidgetAuth  # noqa: E402

from bot.api.widget import sign_customer  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.seed import load_demo_data, seed_customers, seed_users  # noqa: E402
from knowledge.text import fold_diacritics  # noqa: E402
from tandem.settings import DEMO_SECRET, Settings  # noqa: E402

PASSWORD = "bench-password"
PRODUCTS = {
    "thẻ tín dụng": "credit card",
    "thẻ ghi nợ": "debit card",
    "tài khoản tiết kiệm": "savings account",
    "khoản vay cá nhân": "personal loan",
    "thẻ Platinum": "Platinum card",
    "ví điện tử": "e-wallet",
    "thẻ du lịch": "travel card",
    "tài khoản thanh toán": "current account",
}
TOPICS = {
    "phí thường niên": "annual fee",
    "lãi suất": "interest rate",
    "hạn mức": "credit limit",
    "sao kê": "statement",
    "trả góp": "instalments",
    "hoàn tiền": "cashback",
    "mã PIN": "PIN",
    "điểm thưởng": "reward points",
    "phí rút tiền": "withdrawal fee",
    "ngày đến hạn": "due date",
    "chuyển khoản quốc tế": "international transfer",
    "phí chuyển đổi ngoại tệ": "FX fee",
}
ASKS = [
    ("{t} của {p} là bao nhiêu?", "What is the {t} on a {p}?"),
    ("Làm sao để thay đổi {t} cho {p}?", "How do I change the {t} for my {p}?"),
    ("{p} có {t} không?", "Does the {p} have a {t}?"),
    (
        "Tôi muốn hỏi về {t} khi dùng {p} ở nước ngoài",
        "Question about the {t} when using a {p} abroad",
    ),
]


def synthetic_entries(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    vi_p, vi_t = list(PRODUCTS), list(TOPICS)
    out = []
    for i in range(n):
        p, t = rng.choice(vi_p), rng.choice(vi_t)
        vi_q, en_q = rng.choice(ASKS)
        branch = f"chi nhánh {i % 97}"
        out.append(
            {
                "id": f"synthetic-{i:05d}",
                "product": "synthetic",
                "tags": ["synthetic", TOPICS[t].replace(" ", "-")],
                "updated_at": "2026-11-01T00:00:00+07:00",
                "questions": {
                    "vi": [vi_q.format(t=t, p=p) + f" ({branch}, mã {i})"],
                    "en": [
                        en_q.format(t=TOPICS[t], p=PRODUCTS[p]) + f" (branch {i % 97}, code {i})"
                    ],
                },
                "answer": {
                    "vi": f"Với {p}, {t} áp dụng theo biểu phí mã {i} tại {branch}.",
                    "en": f"For the {PRODUCTS[p]}, the {TOPICS[t]} follows tariff {i} "
                    f"at branch {i % 97}.",
                },
            }
        )
    return out


def fake_passage_vectors(texts: set[str]) -> Any:
    """Wrap Retriever.from_settings so synthetic texts get cheap, realistic-looking vectors."""
    from knowledge import retriever as retriever_mod

    original = retriever_mod.Retriever.from_settings

    def from_settings(settings: Any) -> Any:
        r = original(settings)
        emb = r.embedder
        real = emb._encode
        templates = real(
            [
                a.format(t=t, p=p)
                for a, _ in ASKS
                for t in list(TOPICS)[:6]
                for p in list(PRODUCTS)[:2]
            ],
            "passage: ",
        )

        def encode(batch: list[str], prefix: str) -> np.ndarray:
            out = np.zeros((len(batch), emb.identity.dim), dtype=np.float32)
            todo = [i for i, t in enumerate(batch) if t not in texts]
            if todo:
                out[todo] = real([batch[i] for i in todo], prefix)
            for i, text in enumerate(batch):
                if text in texts:
                    g = np.random.default_rng(abs(hash(text)) % 2**32)
                    v = templates[g.integers(len(templates))] + 0.35 * g.standard_normal(
                        emb.identity.dim
                    ) / np.sqrt(emb.identity.dim)
                    out[i] = v / np.linalg.norm(v)
            return out

        emb._encode = encode
        return r

    retriever_mod.Retriever.from_settings = from_settings  # type: ignore[method-assign]
    return lambda: setattr(retriever_mod.Retriever, "from_settings", original)


def build_index(settings: Settings, synthetic: list[dict[str, Any]]) -> None:
    from knowledge.service import KnowledgeService

    texts = set()
    for e in synthetic:
        for qs in e["questions"].values():
            texts.update(qs)
            texts.update(fold_diacritics(q) for q in qs)
        texts.update(e["answer"].values())
    restore = fake_passage_vectors(texts)
    try:
        started = time.perf_counter()
        service = KnowledgeService.from_settings(settings)
        took = time.perf_counter() - started
        print(f"index: {len(service.retriever.entries)} entries in {took:.0f} s", flush=True)
    finally:
        restore()


async def seed(settings: Settings) -> None:
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    data = load_demo_data()
    async with db.session() as session:
        await seed_customers(session, data)
        await seed_users(session, data, PASSWORD)
    await db.dispose()


def demo_queries() -> list[str]:
    queries = []
    for path in sorted((ROOT / "knowledge" / "corpus").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for lang_qs in (entry.get("questions") or {}).values():
                queries.extend(lang_qs)
    queries += [fold_diacritics(q) for q in queries if fold_diacritics(q) != q]
    return queries + ["còn phí thì sao?", "and the fee?", "ok", "cảm ơn, còn hạn mức?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--synthetic", type=int, default=10_000)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--customers", type=int, default=1, help="customers writing at once")
    ap.add_argument(
        "--think", default="0.02,0.02", help="pause between one customer's messages: MIN,MAX s"
    )
    ap.add_argument("--max-seconds", type=float, default=900, help="limit for the whole run")
    add_burn_argument(ap)
    args = ap.parse_args()
    with burning(args.burn, args.max_seconds):
        measure(args)


def measure(args: argparse.Namespace) -> None:
    deadline = time.monotonic() + args.max_seconds
    think = tuple(float(x) for x in args.think.split(","))

    tmp = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    corpus = tmp / "corpus"
    corpus.mkdir()
    for path in (ROOT / "knowledge" / "corpus").glob("*.yaml"):
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    synthetic = synthetic_entries(args.synthetic)
    (corpus / "zz-synthetic.yaml").write_text(
        yaml.safe_dump(synthetic, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    port = 8765 + random.randint(0, 1000)
    settings = Settings(
        mode="demo",
        database_url=f"sqlite:///{tmp / 'hub.db'}",
        corpus_dir=corpus,
        index_dir=tmp / "index",
        # A private cache: the synthetic vectors must never reach the shared one.
        embedding_cache_dir=tmp / "cache",
        rasa_url="http://127.0.0.1:9",
        hub_url=f"http://127.0.0.1:{port}",
    )
    build_index(settings, synthetic)
    asyncio.run(seed(settings))

    app = create_app(settings, run_scheduler=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="auto")
    )
    threading.Thread(target=server.run, name="hub", daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)
    http = httpx.Client(base_url=base, timeout=30)
    while http.get("/healthz").json()["knowledge"] != "ready":
        time.sleep(0.2)

    login = http.post("/api/auth/login", json={"username": "linh", "password": PASSWORD})
    login.raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    arrived: dict[int, float] = {}
    got = threading.Condition()

    def receive() -> None:
        with (
            contextlib.suppress(ConnectionClosed),
            connect(
                base.replace("http", "ws") + "/api/ws/agent", additional_headers={"Cookie": cookie}
            ) as ws,
        ):
            ready.set()
            for raw in ws:
                now = time.time()
                event = json.loads(raw)
                if event.get("type") == "suggestions":
                    with got:
                        arrived[int(event["message_id"])] = now
                        got.notify_all()

    ready = threading.Event()
    threading.Thread(target=receive, name="agent-ws", daemon=True).start()
    ready.wait(10)

    ids = ["C001", "C002", "C003", "C004", "C005"]
    auths = []
    for i in range(max(8, args.customers)):
        cid = ids[i] if i < len(ids) else None
        body: dict[str, str] = {"site": "demo-bank"}
        if cid:
            body |= {"customer_id": cid, "signature": sign_customer(DEMO_SECRET, cid)}
        auths.append(WidgetAuth(http.post("/api/widget/session", json=body).json()["token"]))

    queries = demo_queries()
    latencies: list[float] = []
    load_before = os.getloadavg()[0]

    def send(client: httpx.Client, auth: WidgetAuth, text: str) -> float:
        """Post one message; its latency in ms once its suggestions arrive."""
        reply = client.post(
            "/api/widget/messages", json=auth.body({"text": text}), headers=auth.headers()
        )
        reply.raise_for_status()
        msg = reply.json()["message"]
        stored = datetime.fromisoformat(msg["created_at"]).timestamp()
        mid = int(msg["id"])
        with got:
            if not got.wait_for(
                lambda: mid in arrived, timeout=max(1.0, deadline - time.monotonic())
            ):
                raise SystemExit(f"no suggestions for message {mid} before the deadline")
            return (arrived[mid] - stored) * 1000

    warm = random.Random(11)
    for _ in range(args.warmup):
        send(http, warm.choice(auths), warm.choice(queries))

    def customer(n: int, count: int) -> None:
        rng = random.Random(100 + n)
        client = httpx.Client(base_url=base, timeout=60)
        for _ in range(count):
            if time.monotonic() >= deadline:
                return
            took = send(client, auths[n], rng.choice(queries))
            with got:
                latencies.append(took)
            time.sleep(rng.uniform(*think))

    share = [
        args.messages // args.customers + (n < args.messages % args.customers)
        for n in range(args.customers)
    ]
    threads = [threading.Thread(target=customer, args=(n, c)) for n, c in enumerate(share)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    figures = {
        "messages": len(latencies),
        "entries": args.synthetic,
        "customers": args.customers,
        "think_s": list(think),
        "burn": args.burn,
        "msgs_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    server.should_exit = True
    time.sleep(0.5)


if __name__ == "__main__":
    main()
