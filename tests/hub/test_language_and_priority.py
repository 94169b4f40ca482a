"""A conversation's language changes only on clear evidence; hand-off urgency comes from
the intent; agent suggestions search the customer's problem, not the request for a person."""

from __future__ import annotations

import pytest

from bot.assist.live import Turn, build_query
from bot.handoff.urgency import HIGH, NORMAL, URGENT, assess
from bot.i18n.language import next_language
from knowledge.crosssell_rules import load_rules
from tandem.settings import Settings


@pytest.mark.parametrize(
    "text", ["asdkj qwe", "hjhj", "xxxxx yyyy zzz", "ok", "👍", "1234", "<b>hi</b>", "/affirm"]
)
def test_gibberish_and_noise_keep_the_language(text: str) -> None:
    assert next_language("vi", text) is None
    assert next_language("en", text) is None


def test_clear_evidence_switches() -> None:
    assert next_language("vi", "I lost my card yesterday") == "en"
    assert next_language("en", "tôi bị mất thẻ") == "vi"
    assert next_language("en", "toi muon gap nhan vien") == "vi"
    assert next_language("vi", "thẻ của tôi") is None  # already Vietnamese


def test_the_customers_choice_wins() -> None:
    assert next_language("vi", "/lang en") == "en"
    assert next_language("en", "/language vi") == "vi"


@pytest.mark.parametrize(
    ("reason", "intents", "level"),
    [
        ("fraud", ["report_fraud", "request_human"], URGENT),
        ("customer_request", ["report_fraud", "request_human"], URGENT),
        ("customer_request", ["report_lost_card"], URGENT),
        ("complaint", ["complaint"], HIGH),
        ("churn_risk", ["cancel_card"], URGENT),
        ("fallback", ["nlu_fallback"], HIGH),
        ("customer_request", ["ask_faq", "request_human"], NORMAL),
    ],
)
def test_priority_comes_from_the_intent(reason: str, intents: list[str], level: int) -> None:
    assert assess(Settings(), {"intents": intents}, reason)[0] == level


def test_suggestions_search_the_problem_not_the_request_for_a_person() -> None:
    rules = load_rules()

    def asks(text: str) -> bool:
        return "person_request" in rules.detect(text)

    turns = [
        Turn(1, "Tôi vừa thấy giao dịch lạ 5 triệu trên thẻ, không phải tôi giao dịch", 100.0),
        Turn(2, "cho tôi gặp nhân viên", 900.0),
    ]
    query = build_query(turns, asks_for_person=asks)
    assert query == turns[0].text
    # A real question is searched as it is.
    question = [Turn(3, "phí thường niên thẻ Platinum là bao nhiêu", 10.0)]
    assert build_query(question, asks_for_person=asks) == question[0].text


@pytest.mark.parametrize(
    ("texts", "level"),
    [
        (["asdkjh qwe", "yes"], NORMAL),  # a keyboard mash read as frustration, then "yes"
        (["jjjjjj"], NORMAL),
        (["tức quá, bot làm ăn kiểu gì vậy", "có"], HIGH),
        (["asdkjh qwe", "this bot is useless", "yes"], HIGH),
        ([], HIGH),  # nothing to weigh: the bot's verdict stands
    ],
)
def test_frustration_needs_words(texts: list[str], level: int) -> None:
    context = {"intents": ["express_frustration", "affirm"]}
    assert assess(Settings(), context, "frustration", texts)[0] == level
    # A complaint is high whatever the words; a bot that did not understand is too.
    assert assess(Settings(), {"intents": ["complaint"]}, "complaint", texts)[0] == HIGH
    assert assess(Settings(), {"intents": ["nlu_fallback"]}, "fallback", texts)[0] == HIGH
