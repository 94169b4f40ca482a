"""Write intent-evaluation CSVs (`text,intent`) from the shared public data sets.

The data sets stay where they are (read-only, outside the repository); the CSVs go to an
output folder, /tmp/tandem-intents by default. Splits:

- banking77: stratified 80/20 hold-out of `train.csv` (seed 13), stratified 5-fold
  cross-validation of `train.csv` (`banking77_fold<k>_{train,test}.csv`, k = 1..5), plus
  the whole train set (`banking77_full_train.csv`) for timing a full training run.
- clinc150: train = `train` + `oos_train`; test = `val` + `oos_val` (label `oos`). A
  validation split carved from train (stratified 80/20, half of `oos_train` held out) is
  written as `clinc150_dev_*` for tuning, so the thresholds never see `val`;
  `clinc150_dev2_*` is the same split with the halves of `oos_train` swapped.
- vimq: `train.json` -> `dev.json`; word-segmentation underscores become spaces.
- project: the demo domain's own NLU data (`data/nlu/*.yml`), stratified 5-fold
  (`project_fold<k>_{train,test}.csv`); entity markup is reduced to its text and the
  `out_of_scope` intent is scored as out of scope.

Usage:
    python bench/intent_datasets.py [--datasets ../shared/datasets] [--out /tmp/tandem-intents]
    tandem eval intents --train /tmp/tandem-intents/banking77_train.csv \
        --test /tmp/tandem-intents/banking77_test.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Rasa's inline entity markup: "[4821](card_last4)" or "[4821]{...}" -> "4821".
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

Rows = list[tuple[str, str]]
SEED = 13


def _write(path: Path, rows: Rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "intent"])
        writer.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def _stratified_split(rows: Rows, test_share: float, seed: int = SEED) -> tuple[Rows, Rows]:
    """Split each label's rows with a fixed seed so every label is in both parts."""
    by_label: dict[str, Rows] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    train: Rows = []
    test: Rows = []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        cut = max(1, round(len(group) * test_share))
        test.extend(group[:cut])
        train.extend(group[cut:])
    return train, test


def _stratified_folds(rows: Rows, k: int, seed: int = SEED) -> list[Rows]:
    """Deal each label's shuffled rows round-robin into k folds."""
    by_label: dict[str, Rows] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    folds: list[Rows] = [[] for _ in range(k)]
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        for i, row in enumerate(group):
            folds[i % k].append(row)
    return folds


def banking77(src: Path, out: Path) -> None:
    with (src / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        rows = [(r["text"].strip(), r["category"]) for r in csv.DictReader(fh)]
    train, test = _stratified_split(rows, 0.2)
    _write(out / "banking77_train.csv", train)
    _write(out / "banking77_test.csv", test)
    _write(out / "banking77_full_train.csv", rows)
    folds = _stratified_folds(rows, 5)
    for k, held_out in enumerate(folds, start=1):
        rest = [row for j, fold in enumerate(folds, start=1) if j != k for row in fold]
        _write(out / f"banking77_fold{k}_train.csv", rest)
        _write(out / f"banking77_fold{k}_test.csv", held_out)


def clinc150(src: Path, out: Path) -> None:
    data = json.loads((src / "clinc150" / "train_val.json").read_text(encoding="utf-8"))
    train = [(t, i) for t, i in data["train"]] + [(t, "oos") for t, _ in data["oos_train"]]
    test = [(t, i) for t, i in data["val"]] + [(t, "oos") for t, _ in data["oos_val"]]
    _write(out / "clinc150_train.csv", train)
    _write(out / "clinc150_test.csv", test)
    # Tuning split from train only: 20% of in-scope rows and half of the oos rows.
    dev_train, dev_test = _stratified_split(train, 0.2)
    oos = [r for r in train if r[1] == "oos"]
    random.Random(SEED).shuffle(oos)
    dev_train = [r for r in dev_train if r[1] != "oos"] + oos[:50]
    dev_test = [r for r in dev_test if r[1] != "oos"] + oos[50:]
    _write(out / "clinc150_dev_train.csv", dev_train)
    _write(out / "clinc150_dev_test.csv", dev_test)
    # The same split with the two halves of the oos rows swapped: together the two
    # score all 100 `oos_train` rows as held out.
    dev2_train = [r for r in dev_train if r[1] != "oos"] + oos[50:]
    dev2_test = [r for r in dev_test if r[1] != "oos"] + oos[:50]
    _write(out / "clinc150_dev2_train.csv", dev2_train)
    _write(out / "clinc150_dev2_test.csv", dev2_test)


def vimq(src: Path, out: Path) -> None:
    def load(name: str) -> Rows:
        items = json.loads((src / "vimq" / name).read_text(encoding="utf-8"))
        return [(it["sentence"].replace("_", " "), it["sent_label"]) for it in items]

    _write(out / "vimq_train.csv", load("train.json"))
    _write(out / "vimq_test.csv", load("dev.json"))


def project(data: Path, out: Path) -> None:
    rows: Rows = []
    for path in sorted(data.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = _ENTITY.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    rows.append((text, block["intent"]))
    folds = _stratified_folds(rows, 5)
    for k, held_out in enumerate(folds, start=1):
        rest = [row for j, fold in enumerate(folds, start=1) if j != k for row in fold]
        _write(out / f"project_fold{k}_train.csv", rest)
        _write(out / f"project_fold{k}_test.csv", held_out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_src = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    parser.add_argument("--datasets", type=Path, default=default_src)
    parser.add_argument("--out", type=Path, default=Path("/tmp/tandem-intents"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    banking77(args.datasets, args.out)
    clinc150(args.datasets, args.out)
    vimq(args.datasets, args.out)
    project(ROOT / "data" / "nlu", args.out)


if __name__ == "__main__":
    main()
