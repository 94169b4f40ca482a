"""BM25 recall@1 of Vietnamese keyword tokenisations on a retrieval set, no embeddings.

Compares the tokens `knowledge.text.keyword_tokens` makes now (folded syllables plus
adjacent syllable pairs) with the earlier pyvi word segmentation (segmented words plus
their syllables, through `spacy.blank("vi")`), on the corpus answers and on the queries
as written and with their diacritics stripped. The index is the product's `KeywordIndex`.
pyvi is slow: tokenising UIT-ViCoV19QA with it takes minutes on a busy machine.

Usage:
    .venv/bin/python bench/keyword_tokenisation.py \
        --corpus models/eval/uit_vicov19qa.corpus.jsonl \
        --queries models/eval/uit_vicov19qa.queries.jsonl [--k1 1.2 --b 0.75]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.keyword import KeywordIndex  # noqa: E402
from knowledge.text import fold_diacritics, keyword_tokens, normalize  # noqa: E402


def pyvi_tokens(text: str) -> list[str]:
    """The earlier tokeniser: pyvi-segmented words ("tin_dung") and their syllables."""
    import spacy

    nlp = pyvi_tokens.__dict__.setdefault("nlp", spacy.blank("vi"))
    out: list[str] = []
    for tok in nlp(normalize(text)):
        if tok.is_punct or tok.is_space:
            continue
        parts = [p for p in re.split(r"[^0-9a-z]+", fold_diacritics(tok.text.lower())) if p]
        if len(parts) > 1:
            out.append("_".join(parts))
        out.extend(parts)
    return out


def recall_at_1(corpus: list[dict], queries: list[list[str]], relevant: list[set[str]],
                tokens: list[list[str]], k1: float, b: float) -> float:  # fmt: skip
    index = KeywordIndex(k1, b)
    for i, toks in enumerate(tokens):
        index.add(i, toks)
    hits = 0
    for query, rel in zip(queries, relevant, strict=True):
        top = index.search(query, 1)
        hits += bool(top) and corpus[top[0][0]]["id"] in rel
    return round(hits / len(queries), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--k1", type=float, default=1.2)
    parser.add_argument("--b", type=float, default=0.75)
    args = parser.parse_args()
    corpus = [json.loads(line) for line in args.corpus.open(encoding="utf-8") if line.strip()]
    rows = [json.loads(line) for line in args.queries.open(encoding="utf-8") if line.strip()]
    relevant = [{str(r) for r in row["relevant"]} for row in rows]
    texts = [row["query"] for row in rows]
    unaccented = [fold_diacritics(t) for t in texts]
    for name, tokenise in (("syllables + pairs", lambda t: keyword_tokens(t, "vi")),
                           ("pyvi words + syllables", pyvi_tokens)):  # fmt: skip
        docs = [tokenise(entry["answer"]) for entry in corpus]
        for label, queries in (("accented", texts), ("unaccented", unaccented)):
            score = recall_at_1(
                corpus, [tokenise(q) for q in queries], relevant, docs, args.k1, args.b
            )
            print(json.dumps({"tokens": name, "queries": label, "recall@1": score}), flush=True)


if __name__ == "__main__":
    main()
