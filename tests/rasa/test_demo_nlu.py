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


def _parse(texts: list[str]) -> list[dict]:
    """What the model's NLU graph outputs for each text (intent, ranking, entities)."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE

    processor = Agent.load(str(MODEL)).processor
    assert processor is not None
    target = processor.model_metadata.nlu_target
    messages = [UserMessage(text=text) for text in texts]
    result = processor.graph_runner.run(inputs={PLACEHOLDER_MESSAGE: messages}, targets=[target])
    return [m.as_dict(only_output_properties=True) for m in result[target]]


# Answers typed where the bot offered buttons or asked for a detail, in every style.
TYPED_ANSWERS = [
    ("yes, block it", "affirm"),
    ("yes block my card", "affirm"),
    ("ừ khoá đi", "affirm"),
    ("ok khoá đi", "affirm"),
    ("uk", "affirm"),
    ("đc", "affirm"),
    ("oke", "affirm"),
    ("đúng rồi", "affirm"),
    ("ko cần", "deny"),
    ("thôi khỏi", "deny"),
    ("no thanks", "deny"),
    ("k cần đâu", "deny"),
    ("3342", "inform"),
    ("đuôi 3342", "inform"),
    ("3 3 4 2", "inform"),
    ("30/01/1985", "inform"),
    ("30 tháng 1 năm 1985", "inform"),
    ("0912 345 678", "inform"),
    ("xin chao", "greet"),
    ("cam on nhieu", "thank"),
    ("cho gap nhan vien", "request_human"),
    ("goi lai cho toi sau 5h", "request_callback"),
    ("rơi mất thẻ rồi", "report_lost_card"),
    ("để quên ví ở quán", "report_lost_card"),
]


def test_typed_answers_are_understood() -> None:
    parsed = _parse([text for text, _ in TYPED_ANSWERS])
    got = [(text, p["intent"]["name"]) for (text, _), p in zip(TYPED_ANSWERS, parsed, strict=True)]
    assert got == TYPED_ANSWERS


def test_identity_details_are_extracted_in_every_form() -> None:
    texts = ["đuôi 3342", "3 3 4 2", "30-1-85", "Jan 30 1985", "+84 912 345 678"]
    parsed = _parse(texts)
    found = [{(e["entity"], e["value"]) for e in p.get("entities", [])} for p in parsed]
    assert ("card_last4", "3342") in found[0] and ("card_last4", "3342") in found[1]
    assert ("dob", "1985-01-30") in found[2] and ("dob", "1985-01-30") in found[3]
    assert ("phone", "0912345678") in found[4]


def test_the_ranking_carries_two_calibrated_intents() -> None:
    """A message between two intents: the two likeliest come first, in order of their
    calibrated confidence, for the two-stage fallback's buttons."""
    (parsed,) = _parse(["tôi muốn hỏi về thẻ"])
    ranking = [r for r in parsed["intent_ranking"] if r["name"] != "nlu_fallback"]
    assert len(ranking) >= 2
    assert ranking[0]["confidence"] >= ranking[1]["confidence"] > 0.0
    assert all(0.0 <= r["confidence"] <= 1.0 for r in ranking)
