"""FAISS vector index with stable 64-bit ids: add, replace and remove in place.

Small corpora use exact inner-product search (``IndexIDMap2`` over ``IndexFlatIP``).
Above ``approx_above`` vectors the index becomes an inverted-file index (``IndexIVFFlat``
with a hash-table direct map, so ids can still be removed and vectors reconstructed);
its ``nprobe`` is tuned right after training so that recall@10 against exact search on
noisy copies of stored vectors reaches ``target_recall``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _faiss() -> Any:
    import faiss

    return faiss


class VectorIndex:
    def __init__(self, dim: int, approx_above: int = 50_000, target_recall: float = 0.98) -> None:
        self.dim = dim
        self.approx_above = approx_above
        self.target_recall = target_recall
        self.kind = "flat"
        self.nprobe = 0
        self.measured_recall: float | None = None
        self.index: Any = self._flat()

    def _flat(self) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        if self.kind == "flat" and self.ntotal > self.approx_above:
            self.rebuild()

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def reconstruct(self, row_id: int) -> np.ndarray:
        return np.asarray(self.index.reconstruct(int(row_id)), dtype=np.float32)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of everything stored."""
        faiss = _faiss()
        if self.kind == "flat":
            ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            return ids, self.index.index.reconstruct_n(0, self.ntotal)
        invlists = self.index.invlists
        ids_parts, vec_parts = [], []
        for lst in range(self.index.nlist):
            n = invlists.list_size(lst)
            if not n:
                continue
            ids_parts.append(faiss.rev_swig_ptr(invlists.get_ids(lst), n).copy())
            codes = faiss.rev_swig_ptr(invlists.get_codes(lst), n * self.dim * 4).copy()
            vec_parts.append(codes.view(np.float32).reshape(n, self.dim))
        if not ids_parts:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        return np.concatenate(ids_parts), np.concatenate(vec_parts)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors by inner product; ids are -1 where empty."""
        q = np.ascontiguousarray(np.atleast_2d(query), dtype=np.float32)
        k = max(1, min(k, self.ntotal)) if self.ntotal else 1
        if self.kind == "ivf":
            self.index.nprobe = self.nprobe
        # One query scans a few tens of MB: on one thread that takes about 3 ms at 50,000
        # vectors, while FAISS's default team of all cores took 32 ms on the same 2-core
        # machine with one core busy (a team waits for its slowest member). OpenMP keeps
        # the thread count per calling thread, and searches come from any worker thread,
        # so it is set on every call (a cheap library call), as the embedder does.
        _faiss().omp_set_num_threads(1)
        scores, ids = self.index.search(q, k)
        return scores[0], ids[0]

    def rebuild(self) -> None:
        """Choose flat or IVF for the current size and re-create the index."""
        faiss = _faiss()
        ids, vecs = self.all_vectors()
        n = len(ids)
        if n <= self.approx_above:
            self.kind, self.nprobe, self.index = "flat", 0, self._flat()
            self.index.add_with_ids(vecs, ids)
            return
        nlist = int(2 ** round(math.log2(4 * math.sqrt(n))))
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vecs[rng.choice(n, size=min(n, 64 * nlist), replace=False)]
        ivf.train(sample)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.add_with_ids(vecs, ids)
        self.kind, self.index = "ivf", ivf
        self.nprobe, self.measured_recall = self._tune_nprobe(ids, vecs, nlist)

    def _tune_nprobe(
        self, ids: np.ndarray, vecs: np.ndarray, nlist: int, n_queries: int = 200
    ) -> tuple[int, float]:
        rng = np.random.default_rng(1)
        base = vecs[rng.choice(len(vecs), size=min(n_queries, len(vecs)), replace=False)]
        noise = rng.standard_normal(base.shape).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        # Cosine 0.5-0.8 to a stored vector, like paraphrases and loosely related questions.
        # Queries far from every stored vector are the hard case for IVF, so a third of them
        # sit at cosine about 0.5.
        scale = np.array([0.7, 1.2, 1.8], dtype=np.float32)[np.arange(len(base)) % 3][:, None]
        queries = base + scale * noise
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        exact_ids = ids[np.argsort(-(queries @ vecs.T), axis=1)[:, :10]]
        nprobe, recall = 1, 0.0
        while nprobe <= nlist:
            self.index.nprobe = nprobe
            _, got = self.index.search(queries, 10)
            recall = float(
                np.mean([len(set(g) & set(e)) / 10 for g, e in zip(got, exact_ids, strict=False)])
            )
            if recall >= self.target_recall + 0.005:
                break
            nprobe *= 2
        return min(nprobe, nlist), recall

    # Persistence: FAISS's own serialisation plus our few settings.
    def to_bytes(self) -> bytes:
        return bytes(_faiss().serialize_index(self.index))

    def state(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "nprobe": self.nprobe,
            "dim": self.dim,
            "measured_recall": self.measured_recall,
        }

    @classmethod
    def from_bytes(
        cls, data: bytes, state: dict[str, Any], approx_above: int, target_recall: float
    ) -> VectorIndex:
        faiss = _faiss()
        vi = cls(int(state["dim"]), approx_above, target_recall)
        vi.index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        vi.kind, vi.nprobe = state["kind"], int(state["nprobe"])
        vi.measured_recall = state.get("measured_recall")
        return vi
