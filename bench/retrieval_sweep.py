"""Sweep retrieval fusion settings on one corpus, with every query embedded once.

`tandem eval retrieval` embeds each query inside the timed search, as the product does,
so one run over UIT-ViCoV19QA's 4,000 questions costs minutes on 2 cores. This script
embeds all queries (and their re-accented forms) once, in batches, through the embedding
cache, then replays the searches under each setting. Only quality is measured here;
latency comes from `tandem eval retrieval` and `bench/search_latency.py`.

Usage:
    .venv/bin/python bench/retrieval_sweep.py --corpus models/eval/uit_vicov19qa.corpus.jsonl \
        --queries models/eval/uit_vicov19qa.queries.jsonl \
        models/eval/uit_vicov19qa_unaccented.queries.jsonl \
        --set dense_weight=0.6,0.7,0.8 --set restore_accents=0,1
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chattext.abbreviations import expand_abbreviations  # noqa: E402
from knowledge.evaluate import _read_jsonl, corpus_entries  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from knowledge.text import detect_language, has_vietnamese_marks, normalize  # noqa: E402
from tandem.settings import get_settings  # noqa: E402

# Retriever attributes a sweep may set, and how to parse them.
KNOBS = {
    "dense_weight": float,
    "dense_weight_unaccented": float,
    "dense_weight_vi": float,
    "answer_weight": float,
    "lead_weight": float,  # leads are indexed only if the configured weight is above 0
    "dense_weight_vi_long": lambda v: None if v == "none" else float(v),
    "long_query_syllables": int,
    "question_phrases": lambda v: bool(int(v)),  # 0: none; 1: the configured list
    "restore_accents": lambda v: bool(int(v)),
    "k1": float,
    "b": float,
}


def _apply(retriever: Retriever, knobs: dict[str, Any], phrases: frozenset[str]) -> None:
    for name, value in knobs.items():
        if name == "question_phrases":
            retriever.question_phrases = phrases if value else frozenset()
        elif name in ("k1", "b"):
            for index in retriever.keyword.values():
                setattr(index, name, value)
        else:
            setattr(retriever, name, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, nargs="+", required=True)
    parser.add_argument("--set", action="append", default=[], help="knob=v1,v2,...")
    parser.add_argument(
        "--sample", type=int, default=0, help="score this many queries of each set (seed 13)"
    )
    args = parser.parse_args()

    grid: dict[str, list[Any]] = {}
    for item in args.set:
        name, values = item.split("=", 1)
        grid[name] = [KNOBS[name](v) for v in values.split(",")]

    retriever = Retriever.from_settings(get_settings())
    phrases = retriever.question_phrases
    entries = corpus_entries(_read_jsonl(args.corpus, ("id", "answer")))
    retriever.apply(retriever.prepare(entries))
    query_sets = {p.name: _read_jsonl(p, ("query", "relevant")) for p in args.queries}
    if args.sample:
        # The same positions in every set, so accented and unaccented samples pair up.
        total = min(len(rows) for rows in query_sets.values())
        keep = sorted(random.Random(13).sample(range(total), min(args.sample, total)))
        query_sets = {name: [rows[i] for i in keep] for name, rows in query_sets.items()}

    # Every text the dense side may embed: the queries and their re-accented forms.
    texts = set()
    for rows in query_sets.values():
        for row in rows:
            # As Retriever.search reads it, so that the lookup below finds every query.
            query = expand_abbreviations(normalize(row["query"]))
            texts.add(query)
            if detect_language(query) == "vi" and not has_vietnamese_marks(query):
                texts.add(retriever.accents.restore(query))
    embedder = retriever.embedder
    ordered = sorted(texts)
    # Cached on disk under the query prefix, so a second sweep embeds nothing.
    vectors = embedder.embed_passages(ordered, prefix=embedder.identity.query_prefix)
    lookup = dict(zip(ordered, vectors, strict=True))
    real = embedder.embed_query
    embedder.embed_query = lambda text: lookup[text] if text in lookup else real(text)  # type: ignore[method-assign]

    names = list(grid)
    for combo in itertools.product(*(grid[n] for n in names)) if names else [()]:
        knobs = dict(zip(names, combo, strict=True))
        _apply(retriever, knobs, phrases)
        for set_name, rows in query_sets.items():
            ranks = []
            for row in rows:
                hits = retriever.search(row["query"], k=10)
                relevant = {str(r) for r in row["relevant"]}
                found = [i for i, h in enumerate(hits) if h.id in relevant]
                ranks.append(found[0] if found else None)
            result = {
                f"recall@{k}": round(float(np.mean([r is not None and r < k for r in ranks])), 4)
                for k in (1, 3, 5)
            }
            reciprocal = [1 / (r + 1) for r in ranks if r is not None]
            result["mrr@10"] = round(sum(reciprocal) / len(ranks), 4)
            print(json.dumps({"set": set_name, **knobs, **result}), flush=True)


if __name__ == "__main__":
    main()
