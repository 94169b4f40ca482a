"""In-scope accuracy and out-of-scope recall of the intent classifier at several fallback
thresholds and `none_margin` values, outside Rasa.

Trains `nlu.intent_model.IntentModel` (the classifier behind the Rasa component) on one
`text,intent` CSV and scores another, as `bench/intent_ablation.py` does: scikit-learn
word (1-2) and character (1-5) n-grams over folded text and the e5 sentence vector from
the shared cache, nearest-example vote and similarity damping as in config.yml, but
without the latent-terms block (its features are the slowest to compute). A row counts as
out of scope when the model predicts `oos` or its top confidence is under the threshold.

Usage:
    .venv-rasa/bin/python bench/intent_oos.py /tmp/tandem-intents/clinc150_dev_train.csv \
        /tmp/tandem-intents/clinc150_dev_test.csv
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.embedder import E5Embedder  # noqa: E402
from nlu.intent_model import IntentModel, IntentModelConfig  # noqa: E402
from nlu.text import fold_lower, nfc  # noqa: E402

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
NONE_MARGINS = (None, -1.0, -0.75, -0.5, -0.25)


def load(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [(nfc(r["text"].strip()).strip(), r["intent"]) for r in csv.DictReader(fh)]


def main() -> None:
    train, test = load(Path(sys.argv[1])), load(Path(sys.argv[2]))
    texts = [t for t, _ in train] + [t for t, _ in test]
    vectors = E5Embedder(ROOT / "models" / "cache").embed(texts)
    # English: the featurizer's folded half equals the text's own vector.
    dense = np.hstack([vectors, vectors])
    folded = [fold_lower(t) for t in texts]
    n = len(train)
    words = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+").fit(folded[:n])
    chars = CountVectorizer(analyzer="char", ngram_range=(1, 5)).fit(folded[:n])
    counts = sp.hstack([words.transform(folded), chars.transform(folded)], format="csr")
    gold = np.array([label for _, label in test])
    start = time.perf_counter()
    model = IntentModel(IntentModelConfig(nearest_weight=8.0))
    model.fit(counts[:n], dense[:n], [label for _, label in train], None)
    print(f"trained in {time.perf_counter() - start:.0f} s", flush=True)
    assert model.classes is not None
    gold_oos = np.isin(gold, model.config.oos_labels)
    oos_class = np.isin(model.classes, model.config.oos_labels)
    for margin in NONE_MARGINS:
        model.config.none_margin = margin
        _, conf = model.predict(counts[n:], dense[n:], None)
        top = conf.argmax(axis=1)
        correct = model.classes[top] == gold
        cells = []
        for threshold in THRESHOLDS:
            flagged = oos_class[top] | (conf.max(axis=1) < threshold)
            in_scope = ((~flagged) & correct)[~gold_oos].mean()
            recall = flagged[gold_oos].mean() if gold_oos.any() else float("nan")
            cells.append(f"{threshold}: {in_scope:.4f}/{recall:.3f}")
        print(f"none_margin {margin}  " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
