"""The sentiment scorer with its learned model (bot/copilot/sentiment_model.py) against the
lexicon alone, on the frozen test set and on the holdout set (written before the learned
model, never tuned on), plus the model's cross-validated figure on dev.

Usage:
    .venv/bin/python bench/sentiment_learned.py [--out bench/results/sentiment-2026-12-06-b.json]

Prints one JSON line with the macro F1s; writes everything (errors included) with the run's
context to --out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_record import write  # noqa: E402
from bench.train_sentiment import C_GRID, LEXICON_CONFUSION, cross_validate, f1_of  # noqa: E402
from bot.copilot.sentiment_model import (  # noqa: E402
    LABELS,
    features,
    learned_labels,
    load_weights,
    shared_embedder,
)
from chattext.sentiment import score_sentiment  # noqa: E402
from chattext.sentiment_eval import DEV_SET, HOLDOUT_SET, TEST_SET, evaluate, load_set  # noqa: E402


def dev_cross_validation() -> dict[str, float]:
    """Out-of-fold macro F1 on dev with the shipped C: the embedding model alone, and
    blended with the lexicon (inflated: the lexicon was written from dev)."""
    weights = load_weights()
    assert weights is not None
    rows = load_set(DEV_SET)
    texts = [r["text"] for r in rows]
    x = features(texts, shared_embedder())
    y = np.array([LABELS.index(r["label"]) for r in rows])
    c = float(weights["c"])
    assert c in C_GRID
    oof = cross_validate(x, y, c)
    likelihood = LEXICON_CONFUSION / LEXICON_CONFUSION.sum(axis=1, keepdims=True)
    lexicon = [LABELS.index(score_sentiment(t).label) for t in texts]
    return {
        "n": len(rows),
        "c": c,
        "embedding_only": f1_of(y, oof),
        "blended": f1_of(y, oof * likelihood[:, lexicon].T),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench/results/sentiment-2026-12-06-b.json"))
    parser.add_argument(
        "--note", default="holdout.jsonl measured once with the final model; nothing tuned on it"
    )
    args = parser.parse_args()
    result = {
        "note": args.note,
        "dev_cv": dev_cross_validation(),
        "learned": {
            "test": evaluate(TEST_SET, labels_of=learned_labels),
            "holdout": evaluate(HOLDOUT_SET, labels_of=learned_labels),
        },
        "lexicon": {"test": evaluate(TEST_SET), "holdout": evaluate(HOLDOUT_SET)},
    }
    write(args.out, result)
    summary = {
        "dev_cv": result["dev_cv"],
        **{
            f"{model}_{split}": {
                "macro_f1": figures["macro_f1"],
                **{s: f["macro_f1"] for s, f in figures["by_style"].items()},
            }
            for model in ("learned", "lexicon")
            for split, figures in result[model].items()
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
