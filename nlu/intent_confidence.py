"""The intent model's confidence helpers on plain arrays: which intents training confuses
(and so lend a winner their probability), and the per-intent thresholds of calibration."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def nearest_confusion(
    memory: np.ndarray, labels: np.ndarray, n_classes: int, k: int = 1
) -> np.ndarray:
    """How often each class's examples have one of their k nearest other examples in
    another class (a share of the class's examples times k), the larger of both ways.

    Leave-one-out nearest neighbours over the training examples: intents whose examples
    sit among each other's (BANKING77's two top-up failures) get a large share; two
    intents each with its own wording get none.
    """
    counts = np.zeros((n_classes, n_classes), dtype=np.float64)
    vectors = memory.astype(np.float32)
    k = max(1, min(k, len(vectors) - 1))
    for begin in range(0, len(vectors), 1024):
        block = vectors[begin : begin + 1024] @ vectors.T
        rows = np.arange(block.shape[0])
        block[rows, begin + rows] = -np.inf
        nearest = labels[np.argpartition(-block, k - 1, axis=1)[:, :k]]
        own = np.repeat(labels[begin : begin + 1024], k)
        np.add.at(counts, (own, nearest.ravel()), 1.0)
    sizes = np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    share = counts / sizes
    return np.maximum(share, share.T).astype(np.float32)


def lenders(confusion: np.ndarray, share: float, oos: np.ndarray) -> np.ndarray:
    """(n_classes, n_classes) bool: the in-scope intents whose probability counts with
    each winner's (itself, and those confused with it at least `share` of the time)."""
    counted = (confusion >= share) & ~oos[None, :]
    np.fill_diagonal(counted, True)
    return counted


def calibration_folds(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """The fold of each example: every class spread over the k folds, in a fixed shuffled
    order."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(labels), dtype=np.int32)
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def intent_thresholds(
    oof: np.ndarray,
    labels: np.ndarray,
    classes: np.ndarray,
    *,
    oos_labels: Sequence[str],
    fallback_threshold: float,
    quantile: float,
    floor: float,
) -> np.ndarray:
    """Each intent's threshold from the out-of-fold confidences `oof` (n, n_classes).

    A low `quantile` of the confidences its own examples got when it won them, kept
    between `floor` and the fallback threshold, and above every out-of-scope example it
    won. Out-of-scope intents, and intents that won fewer than five of their own
    examples, keep the fallback threshold.
    """
    top = oof.argmax(axis=1)
    best = oof.max(axis=1)
    oos = np.isin(labels, oos_labels)
    thresholds = np.full(len(classes), fallback_threshold, dtype=np.float32)
    for i, name in enumerate(classes):
        if name in oos_labels:
            continue
        won = best[(labels == name) & (top == i)]
        if len(won) < 5:
            continue
        t = float(np.quantile(won, quantile))
        attracted = best[oos & (top == i)]
        if attracted.size:
            t = max(t, float(attracted.max()) + 1e-3)
        thresholds[i] = min(max(t, floor), fallback_threshold)
    return thresholds


def calibrated(conf: np.ndarray, thresholds: np.ndarray, fallback_threshold: float) -> np.ndarray:
    """Confidences with the winning intent's threshold moved onto the fallback threshold.

    The calibration decides only whether the classifier's first choice is sure enough;
    it never changes which intent is first. Each row's winner is mapped piecewise
    linearly, [0, t] -> [0, T] and [t, 1] -> [T, 1] (t its threshold, T the
    fallback's), and the whole row is scaled by the same factor, so the ranking is the
    model's own. Mapping every intent by its own threshold instead could let an intent
    with a low threshold overtake a likelier one. An intent at the shared threshold is
    unchanged; no confidence goes down and none exceeds one.
    """
    big_t = fallback_threshold
    rows = np.arange(conf.shape[0])
    winner = conf.argmax(axis=1)
    top = conf[rows, winner].astype(np.float64)
    t = thresholds.astype(np.float64)[winner]
    low = top * (big_t / np.maximum(t, 1e-6))
    high = big_t + (top - t) * ((1.0 - big_t) / np.maximum(1.0 - t, 1e-6))
    mapped = np.where(top < t, low, high)
    factor = np.where(top > 0, mapped / np.maximum(top, 1e-12), 1.0)
    return (conf * factor[:, None]).astype(conf.dtype)
