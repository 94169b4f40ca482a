"""Which features and classifiers move BANKING77 accuracy: an ablation outside Rasa.

Trains `nlu.intent_model.IntentModel` (the classifier behind the Rasa component) on the
same hold-out split as `bench/intent_datasets.py` (stratified 80/20 of `train.csv`, seed
13) with feature sets built directly: word (1-2) and char_wb (2-5) counts over folded,
lower-cased text (scikit-learn's vectorisers stand in for Rasa's), the e5 sentence vector
and the e5 latent terms. Embeddings and latent terms come from the shared on-disk cache
(`models/cache/`), so a run after `tandem eval intents` costs seconds per row.

Rows:
- the pipeline before latent terms (n-grams + sentence vector);
- + latent terms, the strongest 64 per message and all of them (what config.yml uses);
- + a second sentence vector (the `passage:` side) for diversity;
- + the nearest-training-example similarity added to the margins;
- `--mlp`: a one-hidden-layer network (scikit-learn) on the same design matrix, and its
  average with the SVM (slow: about 20 minutes on 2 cores).

Usage:
    .venv/bin/python bench/intent_ablation.py [--datasets ../shared/datasets] [--mlp]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intent_datasets import _stratified_split  # noqa: E402
from nlu.embedder import E5Embedder  # noqa: E402
from nlu.intent_model import IntentModel, IntentModelConfig  # noqa: E402
from nlu.text import fold_lower  # noqa: E402


def _top_k_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest values of each row."""
    out = matrix.copy().tolil()
    for r in range(matrix.shape[0]):
        row = matrix.getrow(r)
        if row.nnz > k:
            drop = row.indices[np.argsort(row.data)[: row.nnz - k]]
            for c in drop:
                out[r, c] = 0
    result = out.tocsr()
    result.eliminate_zeros()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--mlp", action="store_true", help="also train the (slow) MLP rows")
    args = parser.parse_args()

    with (args.datasets / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        rows = [(r["text"].strip(), r["category"]) for r in csv.DictReader(fh)]
    train_rows, test_rows = _stratified_split(rows, 0.2)
    texts = [t for t, _ in train_rows + test_rows]
    y = np.array([label for _, label in train_rows + test_rows])
    tr = np.arange(len(train_rows))
    te = np.arange(len(train_rows), len(texts))
    print(f"BANKING77 hold-out: {len(tr)} train / {len(te)} test", flush=True)

    folded = [fold_lower(t) for t in texts]
    words = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+")
    chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5))
    words.fit([folded[i] for i in tr])
    chars.fit([folded[i] for i in tr])
    counts = sp.hstack([words.transform(folded), chars.transform(folded)], format="csr")

    embedder = E5Embedder(ROOT / "models" / "cache")
    t0 = time.perf_counter()
    query = embedder.embed(texts)
    # The featurizer's second half is the folded text's vector: equal for English.
    dense = np.hstack([query, query])
    latent = embedder.latent_terms(texts)
    print(f"features ready in {time.perf_counter() - t0:.0f} s", flush=True)

    def score(
        name: str,
        dense_x: np.ndarray = dense,
        latent_x: sp.csr_matrix | None = None,
        adjust: Callable[[IntentModel, np.ndarray], np.ndarray] | None = None,
    ) -> IntentModel:
        start = time.perf_counter()
        model = IntentModel(IntentModelConfig())
        model.fit(counts[tr], dense_x[tr], list(y[tr]), None if latent_x is None else latent_x[tr])
        x = model._design(
            counts[te], dense_x[te], len(te), None if latent_x is None else latent_x[te]
        )
        margins = np.asarray(x @ model.coef.T) + model.intercept  # type: ignore[union-attr]
        if adjust is not None:
            margins = adjust(model, margins)
        assert model.classes is not None
        acc = float((model.classes[margins.argmax(1)] == y[te]).mean())
        print(f"{name:<58} accuracy {acc:.4f}   fit {time.perf_counter() - start:5.1f} s")
        return model

    score("n-grams + sentence vector (pipeline before latent terms)")
    score("+ latent terms, strongest 64", latent_x=_top_k_per_row(latent, 64))
    best = score("+ latent terms, all (config.yml)", latent_x=latent)
    passage = embedder._load().passage(texts)  # type: ignore[attr-defined]
    score("+ latent terms + passage-side vector", np.hstack([query, passage]), latent)

    def nearest(model: IntentModel, margins: np.ndarray) -> np.ndarray:
        sims = model.class_similarity(dense[te])
        assert sims is not None
        return margins + 4.0 * sims

    score("+ latent terms + nearest-example similarity (x4)", latent_x=latent, adjust=nearest)

    if args.mlp:
        from sklearn.neural_network import MLPClassifier

        design = best._design(counts, dense, len(y), latent)
        start = time.perf_counter()
        mlp = MLPClassifier(hidden_layer_sizes=(512,), batch_size=64, max_iter=20, random_state=0)
        mlp.fit(design[tr], y[tr])
        probs = mlp.predict_proba(design[te])
        acc = float((mlp.classes_[probs.argmax(1)] == y[te]).mean())
        took = time.perf_counter() - start
        print(f"{'MLP (512 hidden) on the same features':<58} accuracy {acc:.4f}  fit {took:.0f} s")
        svm_probs, _ = best.predict(counts[te], dense[te], latent[te])
        mix = (probs + svm_probs) / 2
        acc = float((mlp.classes_[mix.argmax(1)] == y[te]).mean())
        print(f"{'MLP and SVM probabilities averaged':<58} accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
