"""`tandem eval retrieval`: recall and latency of the product's retrieval on a JSONL set.

Usage:
    tandem eval retrieval --corpus CORPUS.jsonl --queries QUERIES.jsonl [--mode hybrid]

Corpus lines: ``{"id", "answer", "question"?, "lang"?}``; query lines: ``{"query",
"relevant": [id, ...]}``. The corpus is indexed with the configured embedder and fusion
(the same ``Retriever`` the service uses); queries run one at a time. The last printed
line is a JSON object with recall@1/3/5, mrr@10, n and per-query p50/p95 latency in ms.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import typer

from knowledge.text import detect_language


class EvalDataError(ValueError):
    pass


def _read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict[str, Any]]:
    if not path.exists():
        raise EvalDataError(f"{path}: file not found")
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise EvalDataError(f"{path} line {n}: invalid JSON: {err.msg}") from None
            missing = [k for k in required if not data.get(k)]
            if missing:
                raise EvalDataError(f"{path} line {n}: missing {', '.join(missing)}")
            out.append(data)
    return out


def corpus_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluation rows as single-language entries (answer, and the question if given)."""
    entries = []
    for row in rows:
        lang = row.get("lang") or detect_language(row["answer"])
        entry: dict[str, Any] = {"id": str(row["id"]), "product": "", "tags": []}
        entry["questions"] = {lang: [row["question"]]} if row.get("question") else {}
        entry["answer"] = {lang: row["answer"]}
        entries.append(entry)
    return entries


def run_eval(
    corpus: Path,
    queries: Path,
    mode: str = "hybrid",
    settings: Any = None,
    overrides: dict[str, Any] | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    from rich.progress import Progress

    from knowledge.retriever import Retriever
    from tandem.settings import get_settings

    settings = settings or get_settings()
    if overrides:
        settings = settings.model_copy(update=overrides)
    entries = corpus_entries(_read_jsonl(corpus, ("id", "answer")))
    qs = _read_jsonl(queries, ("query", "relevant"))
    retriever = Retriever.from_settings(settings)
    with Progress(transient=True, disable=quiet) as progress:
        n_texts = sum(1 + bool(e["questions"]) for e in entries)
        task = progress.add_task("embedding corpus", total=n_texts)
        prepared = retriever.prepare(entries, progress=lambda n: progress.advance(task, n))
        retriever.apply(prepared)
        retriever.search("warm up", k=10, mode=mode)
        hits_at: list[int | None] = []
        times: list[float] = []
        task = progress.add_task("searching", total=len(qs))
        for q in qs:
            start = time.perf_counter()
            hits = retriever.search(q["query"], k=10, mode=mode)
            times.append((time.perf_counter() - start) * 1000)
            relevant = {str(r) for r in q["relevant"]}
            ranks = [i for i, h in enumerate(hits) if h.id in relevant]
            hits_at.append(ranks[0] if ranks else None)
            progress.advance(task)

    def recall(k: int) -> float:
        return round(sum(r is not None and r < k for r in hits_at) / len(hits_at), 4)

    return {
        "recall@1": recall(1),
        "recall@3": recall(3),
        "recall@5": recall(5),
        "mrr@10": round(sum(1 / (r + 1) for r in hits_at if r is not None) / len(hits_at), 4),
        "n": len(hits_at),
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "mode": mode,
    }


def retrieval(
    corpus: Path = typer.Option(..., help="JSONL: {id, answer, question?, lang?} per line"),
    queries: Path = typer.Option(..., help="JSONL: {query, relevant: [id, ...]} per line"),
    mode: str = typer.Option("hybrid", help="hybrid | dense | keyword"),
    dense_weight: float | None = typer.Option(None, help="override the configured dense weight"),
    answer_weight: float | None = typer.Option(None, help="override the answer-field weight"),
) -> None:
    """Evaluate retrieval; the last line printed is the JSON result."""
    from knowledge.retriever import MODES

    if mode not in MODES:
        raise typer.BadParameter(f"mode must be one of {', '.join(MODES)}")
    overrides: dict[str, Any] = {}
    if dense_weight is not None:
        overrides["dense_weight"] = dense_weight
    if answer_weight is not None:
        overrides["answer_field_weight"] = answer_weight
    try:
        result = run_eval(corpus, queries, mode, overrides=overrides)
    except EvalDataError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    print(json.dumps(result))
