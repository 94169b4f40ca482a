"""Evaluate the sentiment scorer on a labelled set: macro F1 overall and per style.

A set is JSON lines ``{"text", "label", "style"}`` (tests/copilot/sentiment/); labels are
negative, neutral and positive, styles vi, vi_plain, chat and en. Macro F1 averages the F1
of the three labels, so a scorer that calls everything neutral scores low.

Usage::

    evaluate("tests/copilot/sentiment/test.jsonl")["macro_f1"]    # the lexicon
    evaluate(path, labels_of=my_scorer)    # any scorer: texts -> labels (one batch)
    python -m chattext.sentiment_eval tests/copilot/sentiment/dev.jsonl   # prints JSON
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chattext.sentiment import NEGATIVE, NEUTRAL, POSITIVE, score_sentiment

LABELS = (NEGATIVE, NEUTRAL, POSITIVE)
SETS = Path(__file__).resolve().parent.parent / "tests" / "copilot" / "sentiment"
TEST_SET = SETS / "test.jsonl"
DEV_SET = SETS / "dev.jsonl"
# Written after the lexicon and before the learned model, never tuned on (README there).
HOLDOUT_SET = SETS / "holdout.jsonl"


def load_set(path: Path | str) -> list[dict[str, str]]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS or not row.get("text") or not row.get("style"):
            raise ValueError(f"{path}:{number}: needs text, style and a label in {LABELS}")
        rows.append(row)
    return rows


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(sum(scores) / len(scores), 4)


def _lexicon_labels(texts: list[str]) -> list[str]:
    return [score_sentiment(t).label for t in texts]


def evaluate(
    path: Path | str = TEST_SET, labels_of: Callable[[list[str]], list[str]] | None = None
) -> dict[str, Any]:
    """{"n", "macro_f1", "by_style": {style: {"n", "macro_f1"}}, "confusion", "errors"}:
    ``confusion[gold][predicted]`` counts messages; ``errors`` lists the misses.
    ``labels_of`` labels all texts at once (default: the lexicon)."""
    rows = load_set(path)
    predicted = list((labels_of or _lexicon_labels)([r["text"] for r in rows]))
    gold = [r["label"] for r in rows]
    by_style: dict[str, dict[str, Any]] = {}
    for style in sorted({r["style"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["style"] == style]
        by_style[style] = {
            "n": len(idx),
            "macro_f1": macro_f1([gold[i] for i in idx], [predicted[i] for i in idx]),
        }
    pairs = Counter(zip(gold, predicted, strict=True))
    return {
        "set": str(path),
        "n": len(rows),
        "macro_f1": macro_f1(gold, predicted),
        "by_style": by_style,
        "confusion": {g: {p: pairs.get((g, p), 0) for p in LABELS} for g in LABELS},
        "errors": [
            {"text": r["text"], "style": r["style"], "gold": g, "predicted": p}
            for r, g, p in zip(rows, gold, predicted, strict=True)
            if g != p
        ],
    }


if __name__ == "__main__":
    print(
        json.dumps(
            evaluate(sys.argv[1] if len(sys.argv) > 1 else TEST_SET), ensure_ascii=False, indent=1
        )
    )
