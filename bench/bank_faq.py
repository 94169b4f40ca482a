"""Retrieval on the demo bank's own FAQ questions, per language and writing style.

The questions (`tests/knowledge/bank_faq/`, see its README) were written for this
evaluation against the demo corpus (`knowledge/corpus/`): a development half for tuning
and a frozen test half, each in Vietnamese with diacritics, without, in chat shorthand and
in English, plus questions no entry answers. The corpus is indexed exactly as the service
indexes it (whole bilingual entries, every phrasing, answers and leads) with the
configured settings, and every question is searched as the service searches it.

Reported per split: recall@1, recall@3 and mrr@10 overall, per language and per style;
for the out-of-scope questions their top scores against the self-service threshold
(`self_service_threshold`: a top hit at or above it is answered by the bot on its own),
beside the top scores of in-scope questions whose first hit is right. `--set` replays the
searches under other fusion settings (the knobs of `bench/retrieval_sweep.py`), each
query embedded once. The last line is one JSON object.

Usage:
    .venv/bin/python bench/bank_faq.py [--split dev test] [--out bench/results/bank_faq-DATE.json]
    .venv/bin/python bench/bank_faq.py --split dev --set dense_weight=0.5,0.7,0.9 \
        --set lead_weight=0.7,0.85
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import run_record  # noqa: E402  (bench/ is on sys.path when run as a script)

from knowledge.corpus import load_corpus  # noqa: E402
from knowledge.evaluate import _read_jsonl  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from tandem.settings import get_settings  # noqa: E402

DATA = ROOT / "tests" / "knowledge" / "bank_faq"
SPLITS = ("dev", "test")


def _metrics(ranks: list[int | None]) -> dict[str, Any]:
    if not ranks:
        return {"n": 0}
    return {
        "n": len(ranks),
        "recall@1": round(float(np.mean([r is not None and r < 1 for r in ranks])), 4),
        "recall@3": round(float(np.mean([r is not None and r < 3 for r in ranks])), 4),
        "mrr@10": round(sum(1 / (r + 1) for r in ranks if r is not None) / len(ranks), 4),
    }


def score_split(retriever: Retriever, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rank of the first relevant hit per in-scope question, top scores of the rest."""
    groups: dict[str, list[int | None]] = defaultdict(list)
    right_top: list[float] = []
    wrong_top: list[float] = []
    oos_top: list[float] = []
    oos_confident = []
    misses = []
    for row in rows:
        hits = retriever.search(row["query"], k=10)
        top = hits[0].score if hits else 0.0
        if not row["relevant"]:
            oos_top.append(top)
            if hits and hits[0].confident:
                oos_confident.append({"query": row["query"], "top": hits[0].id, "score": top})
            continue
        relevant = set(row["relevant"])
        found = [i for i, h in enumerate(hits) if h.id in relevant]
        rank = found[0] if found else None
        for key in ("all", f"lang:{row['lang']}", f"style:{row['style']}"):
            groups[key].append(rank)
        (right_top if rank == 0 else wrong_top).append(top)
        if rank != 0:
            top_id = hits[0].id if hits else None
            misses.append(
                {"query": row["query"], "relevant": row["relevant"], "top": top_id, "rank": rank}
            )
    threshold = retriever.threshold
    result: dict[str, Any] = {key: _metrics(ranks) for key, ranks in sorted(groups.items())}
    result["out_of_scope"] = {
        "n": len(oos_top),
        "threshold": threshold,
        "top_score_max": round(max(oos_top), 4) if oos_top else None,
        "top_score_median": round(float(np.median(oos_top)), 4) if oos_top else None,
        "confident": sum(s >= threshold for s in oos_top),
        "confident_questions": oos_confident,
    }
    result["in_scope_right_top1"] = {
        "n": len(right_top),
        "score_median": round(float(np.median(right_top)), 4) if right_top else None,
        "score_min": round(min(right_top), 4) if right_top else None,
        "confident": sum(s >= threshold for s in right_top),
        # Right answers scoring above every out-of-scope question: what a threshold could keep.
        "above_oos_max": sum(s > max(oos_top, default=0.0) for s in right_top),
    }
    result["in_scope_wrong_top1_confident"] = sum(s >= threshold for s in wrong_top)
    result["misses"] = misses
    return result


def main() -> None:
    from retrieval_sweep import KNOBS, _apply  # bench/ is on sys.path when run as a script

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument("--set", action="append", default=[], help="knob=v1,v2,...")
    parser.add_argument("--out", type=Path, help="also write the full result (JSON) here")
    args = parser.parse_args()

    grid: dict[str, list[Any]] = {}
    for item in args.set:
        name, values = item.split("=", 1)
        parse: Any = KNOBS[name]
        grid[name] = [parse(v) for v in values.split(",")]

    started = time.time()
    settings = get_settings()
    retriever = Retriever.from_settings(settings)
    phrases = retriever.question_phrases
    entries, _files = load_corpus(settings.corpus_seed_dir)
    retriever.apply(retriever.prepare(list(entries.values())))
    # One embedding per distinct query text across the settings of a sweep.
    real = retriever.embedder.embed_query
    memo: dict[str, np.ndarray] = {}

    def embed_once(text: str) -> np.ndarray:
        if text not in memo:
            memo[text] = real(text)
        return memo[text]

    retriever.embedder.embed_query = embed_once  # type: ignore[method-assign]
    splits = {name: _read_jsonl(DATA / f"{name}.jsonl", ("query", "style")) for name in args.split}

    runs = []
    names = list(grid)
    for combo in itertools.product(*(grid[n] for n in names)) if names else [()]:
        knobs = dict(zip(names, combo, strict=True))
        _apply(retriever, knobs, phrases)
        run: dict[str, Any] = {"settings": knobs}
        for split, rows in splits.items():
            run[split] = score_split(retriever, rows)
        runs.append(run)
        brief = {
            split: {k: v for k, v in run[split].items() if k.startswith(("all", "lang:", "style:"))}
            for split in splits
        }
        print(json.dumps({"settings": knobs, **brief}), flush=True)

    load = os.getloadavg()
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": run_record.cpu_model(),
            "python": platform.python_version(),
        },
        "load_avg_1m_end": round(load[0], 2),
        "entries": len(entries),
        "lead_rows": sum(r.field == "l" for r in retriever.rows.values()),
        "config": {
            "dense_weight": settings.dense_weight,
            "dense_weight_vi": settings.dense_weight_vi,
            "dense_weight_unaccented": settings.dense_weight_unaccented,
            "dense_weight_vi_long": settings.dense_weight_vi_long,
            "lead_field_weight": settings.lead_field_weight,
            "answer_field_weight": settings.answer_field_weight,
            "self_service_threshold": settings.self_service_threshold,
        },
        "runs": runs,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
