"""`tandem eval retrieval`: recall and latency of the product's retrieval on a JSONL set.

Usage:
    tandem eval retrieval --corpus CORPUS.jsonl --queries QUERIES.jsonl [--mode hybrid]

Corpus lines: ``{"id", "answer", "question"?, "lang"?}``, or whole entries in the
corpus's own shape (``{"id", "questions": {lang: [...]}, "answer": {lang: ...}}``, as
``bench/retrieval_datasets.py`` exports the demo corpus); query lines: ``{"query",
"relevant": [id, ...]}``, where an empty ``relevant`` marks a question no entry answers.
The corpus is indexed with the configured embedder and fusion (the same ``Retriever`` the
service uses); queries run one at a time. The last printed line is a JSON object with
recall@1/3/5, mrr@10, n and per-query p50/p95 latency in ms, and for out-of-scope
questions their number, highest top score and how many of them were confident.
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
            # An empty list is a value (no relevant entry: out of scope); absent or "" is not.
            missing = [k for k in required if data.get(k) in (None, "")]
            if missing:
                raise EvalDataError(f"{path} line {n}: missing {', '.join(missing)}")
            out.append(data)
    return out


def corpus_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluation rows as entries: single-language ones (answer, and the question if
    given), or whole bilingual entries kept as they are."""
    entries = []
    for row in rows:
        if isinstance(row["answer"], dict):
            # A whole entry, both languages and every phrasing, as the service indexes it.
            questions = row.get("questions") or {}
            entries.append(
                {
                    "id": str(row["id"]),
                    "product": row.get("product", ""),
                    "tags": list(row.get("tags") or []),
                    "questions": {lang: list(qs) for lang, qs in questions.items()},
                    "answer": dict(row["answer"]),
                }
            )
            continue
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

    from bot.config.settings import get_settings
    from knowledge.retriever import Retriever

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
        oos_top: list[tuple[float, bool]] = []
        task = progress.add_task("searching", total=len(qs))
        for q in qs:
            start = time.perf_counter()
            hits = retriever.search(q["query"], k=10, mode=mode)
            times.append((time.perf_counter() - start) * 1000)
            if not q["relevant"]:
                oos_top.append((hits[0].score, hits[0].confident) if hits else (0.0, False))
                progress.advance(task)
                continue
            relevant = {str(r) for r in q["relevant"]}
            ranks = [i for i, h in enumerate(hits) if h.id in relevant]
            hits_at.append(ranks[0] if ranks else None)
            progress.advance(task)

    def recall(k: int) -> float:
        return round(sum(r is not None and r < k for r in hits_at) / len(hits_at), 4)

    if not hits_at:
        raise EvalDataError(f"{queries}: no query has a relevant entry")
    return {
        "recall@1": recall(1),
        "recall@3": recall(3),
        "recall@5": recall(5),
        "mrr@10": round(sum(1 / (r + 1) for r in hits_at if r is not None) / len(hits_at), 4),
        "n": len(hits_at),
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "mode": mode,
        **(
            {
                "oos_n": len(oos_top),
                "oos_max_score": round(max(s for s, _ in oos_top), 4),
                "oos_confident": sum(c for _, c in oos_top),
            }
            if oos_top
            else {}
        ),
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
