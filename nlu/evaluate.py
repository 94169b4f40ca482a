"""Train the project's NLU pipeline on a labelled CSV and evaluate it on another.

Runs inside the Rasa environment; `tandem eval intents` spawns it. The pipeline is the
one in config.yml, trained with Rasa's own `train_nlu`, loaded as Rasa loads it for
serving, and run over the test texts in batches through the same prediction graph.
Rasa's training cache is switched off so that `train_s` is a real training time.

Output: progress lines (`PROGRESS <done> <total> <stage>`) and, as the last line, one JSON
object with the metrics. A prediction counts as out of scope (`oos`) when the fallback
fires (`nlu_fallback`) or the model predicts an out-of-scope intent.

Usage:
    .venv-rasa/bin/python -m nlu.evaluate --train train.csv --test test.csv [--config config.yml]
        [--predictions predictions.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OOS = "oos"
OOS_LABELS = frozenset({"oos", "out_of_scope", "nlu_fallback"})
_BATCH = 256


class DataError(ValueError):
    """A problem with an input file, with its location."""


@dataclass
class Prediction:
    text: str
    gold: str
    predicted: str  # after fallback and oos mapping
    top_intent: str  # the classifier's own top intent
    confidence: float


def read_labelled_csv(path: Path) -> list[tuple[str, str]]:
    """Read a `text,intent` CSV; raise DataError naming the file and line on problems."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header[:2]] != ["text", "intent"]:
            raise DataError(f"{path}:1: expected the header 'text,intent', found {header!r}")
        for row in reader:
            line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise DataError(f"{path}:{line}: expected a text and an intent, found {row!r}")
            rows.append((row[0].strip(), row[1].strip()))
    if not rows:
        raise DataError(f"{path}: no examples")
    return rows


def progress(done: int, total: int, stage: str) -> None:
    print(f"PROGRESS {done} {total} {stage}", flush=True)


def _quiet_rasa() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    import warnings

    warnings.filterwarnings("ignore")
    # A cached featurizer or classifier would make train_s meaningless.
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)


def train(rows: list[tuple[str, str]], config: Path, workdir: Path) -> Path:
    """Train an NLU model with Rasa's training API; return the model archive path."""
    from rasa.model_training import train_nlu

    # Rasa's JSON format keeps texts verbatim: YAML examples would parse "[x](y)" markup.
    data = {
        "rasa_nlu_data": {
            "common_examples": [{"text": t, "intent": i, "entities": []} for t, i in rows]
        }
    }
    data_path = workdir / "train.json"
    data_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    model = train_nlu(str(config), str(data_path), str(workdir / "models"), fixed_model_name="nlu")
    if not model:
        raise RuntimeError("Rasa training produced no model")
    return Path(model)


def predict(model: Path, texts: list[str], workdir: Path) -> list[dict[str, Any]]:
    """Parse texts with the trained prediction graph, a batch at a time."""
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.engine.loader import load_predict_graph_runner
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    metadata, runner = load_predict_graph_runner(
        workdir / "unpacked", model, LocalModelStorage, DaskGraphRunner
    )
    parsed: list[dict[str, Any]] = []
    for start in range(0, len(texts), _BATCH):
        batch = [UserMessage(text=t) for t in texts[start : start + _BATCH]]
        result = runner.run(
            inputs={PLACEHOLDER_MESSAGE: batch, PLACEHOLDER_TRACKER: None},
            targets=[metadata.nlu_target],
        )
        parsed.extend(m.as_dict(only_output_properties=True) for m in result[metadata.nlu_target])
        progress(len(parsed), len(texts), "parse")
    return parsed


def to_prediction(text: str, gold: str, parse: dict[str, Any]) -> Prediction:
    name = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
    top_name = str(ranking[0]["name"]) if ranking else name
    top_conf = float(ranking[0]["confidence"]) if ranking else 0.0
    predicted = OOS if name in OOS_LABELS else name
    return Prediction(text, gold, predicted, top_name, top_conf)


def metrics(predictions: list[Prediction]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    gold = [OOS if p.gold in OOS_LABELS else p.gold for p in predictions]
    pred = [p.predicted for p in predictions]
    n = len(gold)
    out: dict[str, Any] = {
        "n": n,
        "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / n, 4),
        "macro_f1": round(
            float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0)),
            4,
        ),
    }
    if OOS in gold:
        in_scope = [(g, p) for g, p in zip(gold, pred, strict=True) if g != OOS]
        oos_pred = [g for g, p in zip(gold, pred, strict=True) if p == OOS]
        out["in_scope_accuracy"] = round(
            sum(g == p for g, p in in_scope) / max(len(in_scope), 1), 4
        )
        out["oos_recall"] = round(
            sum(p == OOS for g, p in zip(gold, pred, strict=True) if g == OOS) / gold.count(OOS), 4
        )
        out["oos_precision"] = round(sum(g == OOS for g in oos_pred) / max(len(oos_pred), 1), 4)
    return out


def write_predictions(path: Path, predictions: list[Prediction]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "gold", "predicted", "top_intent", "confidence"])
        for p in predictions:
            writer.writerow([p.text, p.gold, p.predicted, p.top_intent, f"{p.confidence:.5f}"])


def run(
    train_csv: Path, test_csv: Path, config: Path, predictions_csv: Path | None
) -> dict[str, Any]:
    train_rows = read_labelled_csv(train_csv)
    test_rows = read_labelled_csv(test_csv)
    if not config.is_file():
        raise DataError(f"{config}: file not found")
    _quiet_rasa()
    with tempfile.TemporaryDirectory(prefix="tandem-eval-") as tmp:
        workdir = Path(tmp)
        progress(0, 1, "train")
        started = time.perf_counter()
        model = train(train_rows, config, workdir)
        train_s = time.perf_counter() - started
        progress(1, 1, "train")
        started = time.perf_counter()
        parses = predict(model, [t for t, _ in test_rows], workdir)
        parse_s = time.perf_counter() - started
    preds = [to_prediction(t, g, p) for (t, g), p in zip(test_rows, parses, strict=True)]
    if predictions_csv is not None:
        write_predictions(predictions_csv, preds)
    result = metrics(preds)
    result.update(
        train_s=round(train_s, 1),
        parse_ms_per_text=round(1000 * parse_s / len(test_rows), 2),
        n_train=len(train_rows),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the NLU pipeline and evaluate intents.")
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--predictions", type=Path, help="write per-text predictions here")
    args = parser.parse_args(argv)
    try:
        result = run(args.train, args.test, args.config, args.predictions)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
