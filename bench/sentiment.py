"""Sentiment scorer (chattext/sentiment.py) on the labelled sets, and what it costs.

Macro F1 overall and per writing style on the frozen test set and on the development set
the thresholds were calibrated on (tests/copilot/sentiment/), and the time to score one
message (every message of both sets, scored `--rounds` times, one thread).

Usage:
    .venv/bin/python bench/sentiment.py [--out bench/results/sentiment-2026-12-06.json]

Prints one JSON line with the figures; writes them with the run's context to --out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_record import write  # noqa: E402
from chattext.sentiment import score_sentiment  # noqa: E402
from chattext.sentiment_eval import DEV_SET, TEST_SET, evaluate, load_set  # noqa: E402


def latency_us(texts: list[str], rounds: int) -> dict[str, float]:
    score_sentiment(texts[0])  # lexicon and abbreviations read once, outside the timing
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            score_sentiment(text)
            times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    return {
        "n": len(times),
        "mean": round(statistics.fmean(times), 1),
        "p50": round(times[len(times) // 2], 1),
        "p95": round(times[int(len(times) * 0.95)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench/results/sentiment-2026-12-06.json"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    test, dev = evaluate(TEST_SET), evaluate(DEV_SET)
    texts = [r["text"] for r in load_set(TEST_SET) + load_set(DEV_SET)]
    result = {
        "sentiment_macro_f1": test["macro_f1"],
        "test": test,
        "dev": dev,
        "latency_us_per_message": latency_us(texts, args.rounds),
    }
    write(args.out, result)
    summary = {
        "n": test["n"],
        "sentiment_macro_f1": test["macro_f1"],
        "by_style": {s: v["macro_f1"] for s, v in test["by_style"].items()},
        "dev_macro_f1": dev["macro_f1"],
        "latency_us": result["latency_us_per_message"],
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
