"""Score the trained Rasa model on the demo domain's own test set, per writing style.

The test set (tests/nlu/data/demo_test/) holds realistic customer messages for the demo
bank, one file per style: Vietnamese with diacritics, without, chat shorthand, English.
Each message is parsed by the trained model exactly as Rasa serves it (fallback threshold
included, so a message below it counts as `nlu_fallback`). Prints accuracy per style, the
share of messages for a known intent that fall to the fallback, the report_fraud misses
and the most frequent confusions, then one JSON line.

`--set dev` scores the development set (tests/nlu/data/demo_dev/, same styles and format)
instead: tune on that one, and score the frozen test set once, untouched.

Usage (Rasa environment, after `tandem train`):
    PYTHONPATH=$PWD .venv-rasa/bin/python bench/demo_nlu.py [--set dev|test] \
        [--model models/rasa/tandem.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_DIR = ROOT / "tests" / "nlu" / "data" / "demo_test"
SET_DIRS = {"test": TEST_DIR, "dev": ROOT / "tests" / "nlu" / "data" / "demo_dev"}
STYLES = ("vi_diacritics", "vi_plain", "vi_chat", "en")
OOS = "out_of_scope"
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Case:
    style: str
    text: str
    expected: str


def load_cases(test_dir: Path = TEST_DIR) -> list[Case]:
    """Every message of the test set with its intent and style (its file's name)."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    cases = []
    for style in STYLES:
        data = RasaYAMLReader().read(test_dir / f"{style}.yml")
        cases += [Case(style, m.get("text"), m.get("intent")) for m in data.intent_examples]
    return cases


async def predict(model: Path, texts: list[str]) -> list[str]:
    """The intent the model gives each text (Rasa's FallbackClassifier applied).

    The model's NLU graph runs once over all texts, the way Rasa runs it on training data:
    the sentence model then embeds them in batches instead of one by one.
    """
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE
    from rasa.shared.nlu.constants import INTENT

    processor = Agent.load(str(model)).processor
    assert processor is not None
    target = processor.model_metadata.nlu_target
    messages = [UserMessage(text=text) for text in texts]
    results = processor.graph_runner.run(inputs={PLACEHOLDER_MESSAGE: messages}, targets=[target])
    return [str((m.get(INTENT) or {}).get("name")) for m in results[target]]


def summarise(cases: list[Case], predicted: list[str]) -> dict:
    by_style: dict[str, list[bool]] = {s: [] for s in STYLES}
    confusions: Counter[tuple[str, str]] = Counter()
    fraud_missed = []
    for case, got in zip(cases, predicted, strict=True):
        by_style[case.style].append(got == case.expected)
        if got != case.expected:
            confusions[(case.expected, got)] += 1
            if case.expected == "report_fraud":
                fraud_missed.append(case.text)
    hits = [ok for oks in by_style.values() for ok in oks]
    # Messages for a known intent (not out of scope) answered "I didn't understand".
    known = [got for case, got in zip(cases, predicted, strict=True) if case.expected != OOS]
    fraud = [case for case in cases if case.expected == "report_fraud"]
    return {
        "messages": len(hits),
        "accuracy": round(sum(hits) / len(hits), 4),
        "by_style": {s: round(sum(v) / len(v), 4) for s, v in by_style.items() if v},
        "fallback_share": round(known.count(FALLBACK) / max(len(known), 1), 4),
        "fraud_recall": round(1 - len(fraud_missed) / max(len(fraud), 1), 4),
        "fraud_missed": fraud_missed,
        "confusions": [
            {"expected": e, "predicted": p, "count": n} for (e, p), n in confusions.most_common(12)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "rasa" / "tandem.tar.gz")
    parser.add_argument("--set", choices=sorted(SET_DIRS), default="test", dest="which")
    args = parser.parse_args()
    if not args.model.exists():
        sys.exit(f"{args.model}: no trained model; run `tandem train` first.")
    cases = load_cases(SET_DIRS[args.which])
    predicted = asyncio.run(predict(args.model, [c.text for c in cases]))
    result = summarise(cases, predicted)
    for case, got in zip(cases, predicted, strict=True):
        if got != case.expected:
            print(f"{case.style:14} {case.expected:26} -> {got:26} {case.text}")
    print(json.dumps({"set": args.which, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
