"""Batch embedding (an index build, a bulk import, an evaluation) on every core, at low
priority.

One embedding engine computes one batch at a time on one core (``embedder_threads`` = 1
keeps live queries steady), so a corpus embedded in the calling process used one core
while the others sat idle. Here the batches go to worker processes, one per core, each
with its own engine on one thread and a positive niceness (``os.nice``; lowering one's
own priority needs no privilege): the kernel then gives the hub's live query embedding,
at normal priority, the CPU first, and the batch the rest. The caller keeps its own
engine for queries and is not blocked by the workers' model.

Workers are started with ``spawn``: a forked child of a process whose OpenMP runtime has
already run can hang in its first parallel region. Each loads the model once (1-2 s), so
small jobs stay in the calling process (``Embedder.parallel_min``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_NICE = 10


@dataclass(frozen=True)
class EmbedderSpec:
    """What a worker needs to build the same embedder (the model, not the caches):
    ``build`` is a module-level function (``knowledge.embedder.from_spec``), so the spec
    pickles by name and this module does not import the embedders."""

    backend: str
    model: str
    query_prefix: str
    passage_prefix: str
    max_chars: int
    build: Callable[[EmbedderSpec], Any]


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def resolve_workers(setting: int) -> int:
    """``embedder_batch_workers``: 0 means one per core available to this process."""
    return available_cores() if setting <= 0 else setting


_engine: Any = None  # this worker's embedder


def _start_worker(spec: EmbedderSpec, nice: int) -> None:
    global _engine
    if nice > 0:
        try:
            os.nice(nice)
        except OSError:  # pragma: no cover - raising one's niceness never needs privilege
            pass
    _engine = spec.build(spec)


def _encode(texts: list[str], prefix: str) -> tuple[np.ndarray, int]:
    assert _engine is not None, "worker not started"
    return _engine._encode(texts, prefix), os.getpriority(os.PRIO_PROCESS, 0)


def encode_batches(
    spec: EmbedderSpec,
    batches: Sequence[list[str]],
    prefix: str,
    workers: int,
    nice: int = DEFAULT_NICE,
    on_batch: Callable[[int, np.ndarray], None] | None = None,
) -> list[np.ndarray]:
    """Vectors of each batch (in order), computed by ``workers`` processes at niceness
    ``nice``; ``on_batch(index, vectors)`` is called as each batch finishes (progress,
    caching), in the calling process."""
    out: list[np.ndarray | None] = [None] * len(batches)
    if not batches:
        return []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(batches))),
        mp_context=context,
        initializer=_start_worker,
        initargs=(spec, nice),
    ) as pool:
        futures = {pool.submit(_encode, list(b), prefix): i for i, b in enumerate(batches)}
        for future in as_completed(futures):
            index = futures[future]
            vectors, _ = future.result()
            out[index] = vectors
            if on_batch is not None:
                on_batch(index, vectors)
    return [v for v in out if v is not None]


def worker_niceness(spec: EmbedderSpec, nice: int = DEFAULT_NICE) -> int:
    """The niceness a worker runs at (for benchmarks and tests)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, context, _start_worker, (spec, nice)) as pool:
        return pool.submit(_encode, ["x"], spec.passage_prefix).result()[1]
