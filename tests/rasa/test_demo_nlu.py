"""The trained model on the demo domain's own test set: no fraud report is missed, and
overall intent accuracy meets the goal (docs/benchmarks.md has the figures per style).

Usage (Rasa environment, after `tandem train`):
    .venv-rasa/bin/python -m pytest tests/rasa/test_demo_nlu.py --confcutdir tests/rasa
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "rasa" / "tandem.tar.gz"
GOAL_ACCURACY = 0.92

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `tandem train`"),
]

sys.path.insert(0, str(ROOT / "bench"))
from demo_nlu import Case, load_cases, predict, summarise  # noqa: E402


@pytest.fixture(scope="module")
def scored() -> list[tuple[Case, str]]:
    cases = load_cases()
    predicted = asyncio.run(predict(MODEL, [c.text for c in cases]))
    return list(zip(cases, predicted, strict=True))


def test_the_set_covers_every_style_and_intent(scored: list[tuple[Case, str]]) -> None:
    assert len(scored) >= 300
    intents = {case.expected for case, _ in scored}
    assert {"report_fraud", "cancel_card", "refund_status", "reset_password", "complaint"} <= (
        intents
    )
    assert {case.style for case, _ in scored} == {"vi_diacritics", "vi_plain", "vi_chat", "en"}


def test_no_fraud_report_is_missed(scored: list[tuple[Case, str]]) -> None:
    missed = [
        (case.style, case.text, got)
        for case, got in scored
        if case.expected == "report_fraud" and got != "report_fraud"
    ]
    assert missed == []


def test_overall_accuracy_meets_the_goal(scored: list[tuple[Case, str]]) -> None:
    result = summarise([c for c, _ in scored], [p for _, p in scored])
    assert result["accuracy"] >= GOAL_ACCURACY, result


def test_a_keyboard_mash_is_not_understood_as_anything() -> None:
    """Gibberish reaches the fallback ladder (a request to rephrase), never an intent such
    as express_frustration, whose answer is an apology for a bad experience."""
    mashes = ["asdkjh qwe", "jjjjjjjj", "qưeqưe ưqe", "zxcvbnm asdf"]
    predicted = asyncio.run(predict(MODEL, mashes))
    assert predicted == ["nlu_fallback"] * len(mashes), list(zip(mashes, predicted, strict=True))
