"""Convert the shared retrieval data sets into the JSONL files `tandem eval retrieval` reads.

Usage:
    .venv/bin/python bench/retrieval_datasets.py [--shared ../shared/datasets] [--out models/eval]
    .venv/bin/python bench/retrieval_datasets.py --demo-only   # the demo corpus alone

Writes, for each set, ``<name>.corpus.jsonl`` and ``<name>.queries.jsonl``:
- stackfaq (English): corpus = each thread's question and its answers; queries = the
  user paraphrases, each relevant to its thread.
- uit_vicov19qa (Vietnamese, train + val): corpus = the answers only; queries = the
  questions. Rows that share an identical answer are all counted as relevant. The same
  questions with their diacritics stripped (``uit_vicov19qa_unaccented.queries.jsonl``)
  stand for customers who type without accents.
- bank_faq (the demo bank's own FAQ, ``knowledge/corpus/``): corpus only, one whole entry
  per line (both languages, every phrasing), as the service indexes it; its questions are
  ``tests/knowledge/bank_faq/{dev,test}.jsonl``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge.corpus import load_corpus  # noqa: E402
from knowledge.text import fold_diacritics  # noqa: E402

DEMO_CORPUS = Path(__file__).resolve().parent.parent / "knowledge" / "corpus"


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def stackfaq(src: Path, out: Path) -> None:
    pairs = json.loads((src / "stackExchange-FAQ.json").read_text(encoding="utf-8"))["root"][
        "qapair"
    ]
    corpus, queries = [], []
    for i, pair in enumerate(pairs):
        fid = f"faq-{i}"
        answers = pair["answer"] if isinstance(pair["answer"], list) else [pair["answer"]]
        answers = [a for a in answers if a]
        corpus.append(
            {"id": fid, "question": pair["question"], "answer": "\n\n".join(answers), "lang": "en"}
        )
        for rephr in pair["rephr"]:
            if rephr and len(rephr.strip()) > 3:
                queries.append({"query": rephr.strip(), "relevant": [fid]})
    write_jsonl(out / "stackfaq.corpus.jsonl", corpus)
    write_jsonl(out / "stackfaq.queries.jsonl", queries)
    print(f"stackfaq: {len(corpus)} entries, {len(queries)} queries")


def uit(src: Path, out: Path) -> None:
    rows: list[list[str]] = []
    for split in ("train", "val"):
        with (src / f"UIT-ViCoV19QA_{split}.csv").open(encoding="utf-8", newline="") as f:
            rows.extend(list(csv.reader(f, delimiter="|"))[1:])
    by_answer: dict[str, list[str]] = defaultdict(list)
    for rid, _question, answer in rows:
        by_answer[answer.strip()].append(f"uit-{rid}")
    corpus = [
        {"id": f"uit-{rid}", "answer": answer.strip(), "lang": "vi"} for rid, _, answer in rows
    ]
    queries = [
        {"query": q.strip(), "relevant": by_answer[a.strip()]} for _, q, a in rows if q.strip()
    ]
    write_jsonl(out / "uit_vicov19qa.corpus.jsonl", corpus)
    write_jsonl(out / "uit_vicov19qa.queries.jsonl", queries)
    unaccented = [{**q, "query": fold_diacritics(q["query"])} for q in queries]
    write_jsonl(out / "uit_vicov19qa_unaccented.queries.jsonl", unaccented)
    print(f"uit_vicov19qa: {len(corpus)} entries, {len(queries)} queries")


def demo_corpus(out: Path, corpus_dir: Path = DEMO_CORPUS) -> Path:
    """The demo corpus as `tandem eval retrieval --corpus` reads it: whole entries."""
    entries, _files = load_corpus(corpus_dir)
    rows = [
        {
            "id": e["id"],
            "product": e["product"],
            "tags": e["tags"],
            "questions": e["questions"],
            "answer": e["answer"],
        }
        for e in entries.values()
    ]
    path = out / "bank_faq.corpus.jsonl"
    write_jsonl(path, rows)
    print(f"bank_faq: {len(rows)} entries")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=Path("models/eval"))
    parser.add_argument("--demo-only", action="store_true", help="export the demo corpus only")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    demo_corpus(args.out)
    if args.demo_only:
        return
    stackfaq(args.shared / "stackfaq", args.out)
    uit(args.shared / "uit_vicov19qa", args.out)


if __name__ == "__main__":
    main()
