"""BM25 keyword index with in-place add and remove (an inverted index, no full rebuild).

Scores are returned both raw and normalised to [0, 1] by the score the query would get
against a document made of exactly its own words, so that keyword scores can be mixed
with dense scores on one scale and mean the same thing from one query to the next.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class KeywordIndex:
    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._slot_of: dict[int, int] = {}  # row id -> dense slot
        self._row_of: list[int] = []  # slot -> row id (-1 when free)
        self._free: list[int] = []
        self._terms: dict[int, Counter[str]] = {}
        self._postings: dict[str, dict[int, int]] = {}  # term -> {slot: tf}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per-term numpy cache
        self._lens = np.zeros(0, dtype=np.float32)
        self._total_len = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    def add(self, row_id: int, tokens: list[str]) -> None:
        if row_id in self._slot_of:
            self.remove(row_id)
        if self._free:
            slot = self._free.pop()
            self._row_of[slot] = row_id
        else:
            slot = len(self._row_of)
            self._row_of.append(row_id)
            if slot >= len(self._lens):
                grown = np.zeros(max(16, 2 * len(self._lens)), dtype=np.float32)
                grown[: len(self._lens)] = self._lens
                self._lens = grown
        counts = Counter(tokens)
        self._slot_of[row_id] = slot
        self._terms[row_id] = counts
        self._lens[slot] = len(tokens)
        self._total_len += len(tokens)
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[slot] = tf
            self._arrays.pop(term, None)

    def remove(self, row_id: int) -> None:
        slot = self._slot_of.pop(row_id, None)
        if slot is None:
            return
        for term in self._terms.pop(row_id):
            posting = self._postings[term]
            del posting[slot]
            if not posting:
                del self._postings[term]
            self._arrays.pop(term, None)
        self._total_len -= int(self._lens[slot])
        self._lens[slot] = 0
        self._row_of[slot] = -1
        self._free.append(slot)

    def _idf(self, df: int) -> float:
        n = len(self._slot_of)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _term_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        arrays = self._arrays.get(term)
        if arrays is None:
            posting = self._postings[term]
            arrays = (
                np.fromiter(posting.keys(), dtype=np.int64, count=len(posting)),
                np.fromiter(posting.values(), dtype=np.float32, count=len(posting)),
            )
            self._arrays[term] = arrays
        return arrays

    def search(self, tokens: list[str], k: int = 50) -> list[tuple[int, float, float]]:
        """Top rows as (row id, normalised score in [0, 1], raw BM25 score)."""
        if not tokens or not self._slot_of:
            return []
        avgdl = max(self._total_len / len(self._slot_of), 1.0)
        scores = np.zeros(len(self._row_of), dtype=np.float32)
        query = Counter(tokens)
        best = 0.0
        for term, qtf in query.items():
            posting = self._postings.get(term)
            df = len(posting) if posting else 0
            idf = self._idf(df)
            # What this term would add for a document equal to the query itself.
            best += (
                idf
                * qtf
                * (self.k1 + 1)
                / (qtf + self.k1 * (1 - self.b + self.b * len(tokens) / avgdl))
            )
            if not posting:
                continue
            slots, tfs = self._term_arrays(term)
            norm = self.k1 * (1 - self.b + self.b * self._lens[slots] / avgdl)
            scores[slots] += idf * tfs * (self.k1 + 1) / (tfs + norm)
        hit = np.flatnonzero(scores)
        if not len(hit) or best <= 0:
            return []
        if len(hit) > k:
            hit = hit[np.argpartition(-scores[hit], k - 1)[:k]]
        hit = hit[np.argsort(-scores[hit])]
        return [(self._row_of[s], min(1.0, float(scores[s]) / best), float(scores[s])) for s in hit]
