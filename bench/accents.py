"""Syllable accuracy of accent restoration on held-apart Vietnamese text.

Each text has its accents stripped, is restored, and is compared syllable by syllable
with the original (the two tone placements of "oa", "oe", "uy" count as one spelling:
"khoá" = "khóa"). Accuracy is the share of syllables restored exactly, over the syllables
that had marks and over all of them; "as typed" is what leaving the text unaccented
scores over all syllables.

Held-apart sets:
- `dev`: banking messages written for `tests/nlu/data/accents_dev.txt` (same domain as the
  bot, never trained on);
- `uit_vicov19qa`: the questions of UIT-ViCoV19QA train and validation, read from
  `../shared/datasets/` (a different domain, COVID-19 health questions, so it measures
  how the model does on words the project never writes).

Usage (either environment):
    .venv/bin/python bench/accents.py [--model chattext/accents.json.gz] [--project-only]

Prints one line per model and set, then one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chattext.accents import SHIPPED_PATH, AccentRestorer, has_marks, syllables  # noqa: E402
from chattext.fold import fold  # noqa: E402

DEV_SET = ROOT / "tests" / "nlu" / "data" / "accents_dev.txt"
UIT_DIR = ROOT.parent / "shared" / "datasets" / "uit_vicov19qa"


def dev_texts(path: Path = DEV_SET) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def uit_texts(folder: Path = UIT_DIR) -> list[str]:
    csv.field_size_limit(10_000_000)
    texts = []
    for name in ("UIT-ViCoV19QA_train.csv", "UIT-ViCoV19QA_val.csv"):
        with open(folder / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="|"):
                question = " ".join((row.get("Question") or "").split())
                if question and has_marks(question):
                    texts.append(question)
    return texts


def score(restorer: AccentRestorer, texts: list[str]) -> dict[str, float | int]:
    marked = marked_right = total = right = unmarked = 0
    started = time.perf_counter()
    for text in texts:
        expected = syllables(text)
        got = syllables(restorer.restore(fold(text)))
        if len(got) != len(expected):  # cannot happen: restoring keeps the syllables
            raise AssertionError(f"syllables changed: {text!r}")
        for want, have in zip(expected, got, strict=True):
            total += 1
            right += want == have
            if has_marks(want):
                marked += 1
                marked_right += want == have
            else:
                unmarked += 1
    elapsed = time.perf_counter() - started
    return {
        "texts": len(texts),
        "syllables": total,
        "marked_syllables": marked,
        "accuracy_marked": round(marked_right / marked, 4),
        "accuracy_all": round(right / total, 4),
        "as_typed_all": round(unmarked / total, 4),
        "ms_per_text": round(1000 * elapsed / len(texts), 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="model file(s) to score")
    parser.add_argument(
        "--project-only",
        action="store_true",
        help="also score a model built from the project's texts without the lexicon",
    )
    args = parser.parse_args(argv)
    restorers: dict[str, AccentRestorer] = {}
    for model in args.model or [SHIPPED_PATH]:
        name = str(model.relative_to(ROOT)) if model.is_relative_to(ROOT) else str(model)
        restorers[name] = AccentRestorer.load(model)
    if args.project_only:
        sys.path.insert(0, str(ROOT / "scripts"))
        from build_accents import build

        restorers["project texts only (no lexicon)"] = build(lexicon=False)[0]
    sets = {"dev": dev_texts()}
    if UIT_DIR.exists():
        sets["uit_vicov19qa"] = uit_texts()
    results: dict[str, dict[str, dict[str, float | int]]] = {}
    for name, restorer in restorers.items():
        results[name] = {}
        for set_name, texts in sets.items():
            figures = score(restorer, texts)
            results[name][set_name] = figures
            print(f"{name} {set_name}: {figures}")
    machine = {"nproc": os.cpu_count(), "python": platform.python_version()}
    summary = {"date": date.today().isoformat(), "machine": machine, "results": results}
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
