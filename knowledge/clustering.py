"""Group unanswered customer questions by meaning, Vietnamese and English together.

e5 sentence vectors share one large common direction, plus one per language: any two
banking questions score a cosine of 0.77-0.90, whether they mean the same or not, and a
question sits closer to unrelated questions in its own language than to its translation.
Subtracting the mean vector of the corpus questions *in the question's language*
(``centre``) removes both. Measured on three topics (gold safekeeping, car loans, foreign
exchange), each asked 2-3 times in Vietnamese and twice in English, embedded like the
corpus questions (passage prefix):

- a question against the mean of its topic's questions in the other language: 0.35-0.58;
  against other topics: at most 0.25 (0.77-0.94 before centring, for both);
- the mean of a topic's Vietnamese questions against the mean of its English ones:
  0.45-0.59; against other topics: at most 0.17.

So a question joins a cluster at 0.3 (``assign``), and clusters whose means reach 0.3 are
merged (``merges``), which brings the two languages of one question together even when a
single translation falls just short.

Clusters are built online, so their ids stay stable as questions arrive.

Usage::

    centred = centre(vectors, means_by_row)
    labels, centroids, sizes = assign(centred, centroids, sizes, threshold=0.3)
    for keep, drop in merges(centroids, sizes, threshold=0.3): ...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from knowledge.text import detect_language


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.asarray(rows / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def centre(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Unit vectors with the common direction taken out: ``mean`` is the mean of unit
    vectors, one for all rows or one row per vector (its language's mean)."""
    return _unit(_unit(np.atleast_2d(vectors)) - mean)


def assign(
    vectors: np.ndarray,
    centroids: Sequence[Sequence[float]],
    sizes: Sequence[int],
    threshold: float,
) -> tuple[list[int], list[list[float]], list[int]]:
    """Put each (centred) vector in the nearest cluster at or above ``threshold``.

    Returns one cluster index per vector (indices past the given clusters are new ones),
    and the updated centroids (running means of their members) and sizes of all clusters.
    """
    sums = [np.asarray(c, dtype=np.float64) * n for c, n in zip(centroids, sizes, strict=True)]
    counts = list(sizes)
    labels: list[int] = []
    for vec in np.atleast_2d(vectors):
        best, best_sim = -1, threshold
        for i, total in enumerate(sums):
            mean = total / counts[i]
            sim = float(vec @ mean / (np.linalg.norm(mean) or 1.0))
            if sim >= best_sim:
                best, best_sim = i, sim
        if best < 0:
            sums.append(np.asarray(vec, dtype=np.float64))
            counts.append(1)
            best = len(sums) - 1
        else:
            sums[best] += vec
            counts[best] += 1
        labels.append(best)
    means = [(total / n).astype(float).tolist() for total, n in zip(sums, counts, strict=True)]
    return labels, means, counts


def merges(
    centroids: Sequence[Sequence[float]], sizes: Sequence[int], threshold: float
) -> list[tuple[int, int]]:
    """Pairs (keep, drop) of clusters whose means are at least ``threshold`` alike, most
    alike first; the earlier cluster (lower index) is kept. Each cluster merges at most
    once per call, so the result never depends on a chain of merges."""
    if len(centroids) < 2:
        return []
    means = _unit(np.asarray(centroids, dtype=np.float64))
    sims = means @ means.T
    pairs = [
        (float(sims[i, j]), i, j)
        for i in range(len(means))
        for j in range(i + 1, len(means))
        if sims[i, j] >= threshold and sizes[i] > 0 and sizes[j] > 0
    ]
    used: set[int] = set()
    out = []
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used and j not in used:
            used |= {i, j}
            out.append((i, j))
    return out


def language_means(embedder: Any, prefix: str, questions: dict[str, list[str]]) -> dict[str, Any]:
    """The mean unit vector of the corpus questions in each language."""
    out = {}
    for lang, texts in questions.items():
        if not texts:
            continue
        vecs = _unit(np.asarray(embedder.embed_passages(texts, prefix=prefix), np.float32))
        out[lang] = vecs.mean(axis=0)
    return out


def embed_centred(
    embedder: Any, prefix: str, texts: Sequence[str], means: dict[str, Any]
) -> np.ndarray:
    """Questions embedded like the corpus questions (so the cache serves repeats), each
    centred on the mean of its language."""
    vectors = np.asarray(embedder.embed_passages(list(texts), prefix=prefix))
    # A language the corpus has no questions in is centred on another language's mean.
    fallback = next(iter(means.values()), np.zeros(vectors.shape[1], np.float32))
    rows = np.stack([means.get(detect_language(t), fallback) for t in texts])
    return centre(vectors, rows)


def group(vectors: np.ndarray, threshold: float) -> list[int]:
    """Cluster a batch from scratch (assign, then merge): one cluster label per vector."""
    labels, means, counts = assign(vectors, [], [], threshold)
    target = list(range(len(means)))
    for keep, drop in merges(means, counts, threshold):
        target[drop] = keep
    return [target[label] for label in labels]


def priority(times: Sequence[datetime], now: datetime, half_life_days: float = 7.0) -> float:
    """Volume weighted by recency: each question counts 1 today, 1/2 a half-life ago."""
    return sum(
        math.pow(0.5, max(0.0, (now - t).total_seconds()) / 86400 / half_life_days) for t in times
    )
