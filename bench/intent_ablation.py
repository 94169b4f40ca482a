"""Which features and settings move BANKING77 accuracy: a 5-fold ablation outside Rasa.

Trains `nlu.intent_model.IntentModel` (the classifier behind the Rasa component) on the
same stratified 5 folds of `train.csv` as `bench/intent_datasets.py` (seed 13), with
feature sets built directly: word (1-2) and character counts over folded, lower-cased
text (scikit-learn's vectorisers stand in for Rasa's, so figures run a few tenths of a
point off the Rasa ones), the e5 sentence vector and the e5 latent terms. Accuracy is the
top intent's, before the fallback threshold. Embeddings and latent terms come from the
shared on-disk cache (`models/cache/`): after `tandem eval intents` has seen the texts,
each row costs about two minutes on 2 cores.

Each row adds one change to the row above; the last one is config.yml.

Usage:
    .venv/bin/python bench/intent_ablation.py [--datasets ../shared/datasets]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass, field
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


@dataclass
class Variant:
    name: str
    chars: tuple[str, int, int] = ("char_wb", 2, 5)
    latent: bool = True
    model: dict[str, float] = field(default_factory=dict)


CHAR_1_5 = ("char", 1, 5)
VARIANTS = [
    Variant("n-grams + sentence vector (before latent terms)", latent=False),
    Variant("+ latent terms (all active, about 200 a message)"),
    Variant("+ char 1-5 across words instead of char_wb 2-5", CHAR_1_5),
    Variant("+ nearest-example vote, weight 4", CHAR_1_5, model={"nearest_weight": 4.0}),
    Variant("+ nearest-example vote, 8 (config.yml)", CHAR_1_5, model={"nearest_weight": 8.0}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args()

    with (args.datasets / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        rows = [(r["text"].strip(), r["category"]) for r in csv.DictReader(fh)]
    folds = _stratified_folds(rows, 5)
    texts = [t for fold in folds for t, _ in fold]
    y = np.array([label for fold in folds for _, label in fold])
    fold_of = np.concatenate([np.full(len(fold), k) for k, fold in enumerate(folds)])
    print(f"BANKING77: {len(texts)} messages in 5 stratified folds", flush=True)

    embedder = E5Embedder(ROOT / "models" / "cache")
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    # The featurizer's second half is the folded text's vector: equal for English.
    dense = np.hstack([vectors, vectors])
    latent = embedder.latent_terms(texts)
    print(f"features ready in {time.perf_counter() - start:.0f} s", flush=True)
    folded = [fold_lower(t) for t in texts]

    for variant in VARIANTS:
        start = time.perf_counter()
        correct = 0
        for k in range(5):
            tr, te = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
            analyzer, low, high = variant.chars
            words = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+")
            chars = CountVectorizer(analyzer=analyzer, ngram_range=(low, high))
            words.fit([folded[i] for i in tr])
            chars.fit([folded[i] for i in tr])
            counts = sp.hstack([words.transform(folded), chars.transform(folded)], format="csr")
            lat = latent if variant.latent else None
            model = IntentModel(IntentModelConfig(**variant.model))  # type: ignore[arg-type]
            model.fit(counts[tr], dense[tr], list(y[tr]), None if lat is None else lat[tr])
            probs, _ = model.predict(counts[te], dense[te], None if lat is None else lat[te])
            assert model.classes is not None
            correct += int((model.classes[probs.argmax(1)] == y[te]).sum())
        took = time.perf_counter() - start
        print(f"{variant.name:<52} accuracy {correct / len(y):.4f}   {took:4.0f} s", flush=True)


if __name__ == "__main__":
    main()
