"""What the fallback should read: the winner's own probability, or the in-scope mass.

Trains `nlu.intent_model.IntentModel` (the classifier behind the Rasa component) outside
Rasa, as `bench/intent_ablation.py` does (scikit-learn's n-gram vectorisers stand in for
Rasa's; its figures came within 0.1 point of `tandem eval intents` on BANKING77's folds),
once per split, then predicts with each setting of the prediction-time knobs: the
"none of these" margin, the similarity floor and full point of the damping, and which
confidence the 0.45 fallback reads:

- `top`: the winner's probability times its damping (the classifier before 2026-12-06);
- `mass`: the probability all in-scope intents share times the winner's damping
  (`scope_confidence`);
- `pair k=<k> share=<s>`: the probability of the winner and of the intents it is
  confused with in training (a share >= s of one intent's examples' k nearest other
  examples in the other, `scope_neighbours` and `scope_neighbour_share`) times its damping.

Splits (development data only; the figures chose config.yml):
- `b77`: the five stratified folds of BANKING77's train.csv (seed 13);
- any `/tmp/tandem-intents/<name>` pair written by `bench/intent_datasets.py`, e.g.
  `clinc150_dev,clinc150_dev2` (CLINC150's train set with held-out out-of-scope halves).

Prints progress, then one JSON object: per setting, in-scope accuracy and out-of-scope
recall summed over the splits.

Usage:
    .venv/bin/python bench/intent_fallback_signal.py b77
    .venv/bin/python bench/intent_fallback_signal.py clinc150_dev,clinc150_dev2
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intent_datasets import _stratified_folds  # noqa: E402
from nlu.embedder import E5Embedder  # noqa: E402
from nlu.intent_model import IntentModel, IntentModelConfig  # noqa: E402
from nlu.text import fold_lower  # noqa: E402

THRESHOLD = 0.45  # FallbackClassifier's, config.yml
NONE_MARGINS = (-0.5, -0.25, 0.0)
FLOORS = (0.81, 0.82, 0.83)
FULLS = (0.91, 0.93)
SHARES = (0.005, 0.01, 0.02, 0.05)
NEIGHBOURS = (1, 5, 10, 20)
MAX_CHARS = 256  # the sentence model reads a message's first 256 characters (config.yml)

Rows = list[tuple[str, str]]


def _read(path: Path) -> Rows:
    with path.open(encoding="utf-8") as fh:
        return [(r["text"], r["intent"]) for r in csv.DictReader(fh)]


def splits(which: str, datasets: Path, csv_dir: Path) -> Iterator[tuple[Rows, Rows]]:
    if which == "b77":
        with (datasets / "banking77" / "train.csv").open(encoding="utf-8") as fh:
            rows = [(r["text"].strip(), r["category"]) for r in csv.DictReader(fh)]
        folds = _stratified_folds(rows, 5)
        for k in range(5):
            yield [r for j, f in enumerate(folds) if j != k for r in f], folds[k]
        return
    for name in which.split(","):
        yield _read(csv_dir / f"{name}_train.csv"), _read(csv_dir / f"{name}_test.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("splits", help="b77, or comma-separated /tmp/tandem-intents names")
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--csv-dir", type=Path, default=Path("/tmp/tandem-intents"))
    args = parser.parse_args()

    embedder = E5Embedder(ROOT / "models" / "cache")
    totals: dict[tuple[str, float, float, float], list[int]] = {}
    started = time.perf_counter()
    load = os.getloadavg()[0]
    for n, (train, test) in enumerate(splits(args.splits, args.datasets, args.csv_dir), 1):
        texts = [t for t, _ in train] + [t for t, _ in test]
        y = np.array([label for _, label in train] + [label for _, label in test])
        clipped = [t[:MAX_CHARS] for t in texts]
        vectors = embedder.embed(clipped)
        # The featurizer's second half is the folded text's vector: equal for English.
        dense, latent = np.hstack([vectors, vectors]), embedder.latent_terms(clipped)
        folded = [fold_lower(t) for t in texts]
        tr, te = np.arange(len(train)), np.arange(len(train), len(texts))
        words = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+")
        chars = CountVectorizer(analyzer="char", ngram_range=(1, 5))
        words.fit([folded[i] for i in tr])
        chars.fit([folded[i] for i in tr])
        counts = sp.hstack([words.transform(folded), chars.transform(folded)], format="csr")
        model = IntentModel(IntentModelConfig(nearest_weight=8.0, none_margin=-0.5))
        model.fit(counts[tr], dense[tr], list(y[tr]), latent[tr])
        assert model.classes is not None and model.memory is not None
        assert model.memory_labels is not None
        confusions = {
            k: IntentModel._nearest_confusion(
                model.memory, model.memory_labels, len(model.classes), k
            )
            for k in NEIGHBOURS
        }
        gold = y[te]
        # CLINC150 names it "oos", the demo domain "out_of_scope".
        is_oos = np.isin(gold, model.config.oos_labels)
        out_class = np.isin(model.classes, model.config.oos_labels)
        rows = np.arange(len(te))
        for margin in NONE_MARGINS:
            model.config.none_margin = margin
            probs, _ = model.predict(counts[te], dense[te], latent[te])
            sims = model.class_similarity(dense[te])
            assert sims is not None
            mass = probs[:, ~out_class].sum(axis=1)
            for floor in FLOORS:
                for full in FULLS:
                    damp = np.clip((sims - floor) / (full - floor), 0.0, 1.0)
                    damp[:, out_class] = 1.0
                    conf = probs * damp
                    win = conf.argmax(axis=1)
                    label = model.classes[win]
                    signals = {"top": conf[rows, win], "mass": mass * damp[rows, win]}
                    for k, confusion in confusions.items():
                        for share in SHARES:
                            counted = IntentModel.lenders(confusion, share, out_class)
                            pair = (probs * counted[win]).sum(axis=1)
                            signals[f"pair k={k} share={share}"] = pair * damp[rows, win]
                    for name, signal in signals.items():
                        pred = np.where((signal < THRESHOLD) | out_class[win], "oos", label)
                        t = totals.setdefault((name, margin, floor, full), [0, 0, 0, 0])
                        t[0] += int((pred[~is_oos] == gold[~is_oos]).sum())
                        t[1] += int((~is_oos).sum())
                        t[2] += int((pred[is_oos] == "oos").sum())
                        t[3] += int(is_oos.sum())
        print(f"split {n} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    settings = []
    for (name, margin, floor, full), (ok, n_in, caught, n_oos) in totals.items():
        row: dict[str, object] = {
            "signal": name,
            "none_margin": margin,
            "sim_floor": floor,
            "sim_full": full,
            "n_in_scope": n_in,
            "in_scope_accuracy": round(ok / n_in, 4),
        }
        if n_oos:
            row.update(n_oos=n_oos, oos_recall=round(caught / n_oos, 4))
        settings.append(row)
    print(
        json.dumps(
            {
                "splits": args.splits,
                "threshold": THRESHOLD,
                "load_1min_at_start": round(load, 2),
                "seconds": round(time.perf_counter() - started, 1),
                "settings": settings,
            }
        )
    )


if __name__ == "__main__":
    main()
