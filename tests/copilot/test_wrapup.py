"""The wrap-up ranker: the rule prior alone, and recorded choices moving the ranking."""

from __future__ import annotations

from bot.copilot import wrapup
from bot.copilot.evaluate import CODES


def test_rules_put_the_obvious_code_first() -> None:
    blocked = wrapup.features(
        intents=["report_lost_card"],
        reason="lost_card",
        did=["card_blocked"],
        customer_texts=["mất thẻ rồi"],
    )
    assert wrapup.rank(blocked, CODES)[0] == "card_blocked"
    angry = wrapup.features(reason="complaint", customer_texts=["toi muon khieu nai phi"])
    assert wrapup.rank(angry, CODES)[0] == "complaint"
    booked = wrapup.features(did=["callback"], customer_texts=["call me back tomorrow"])
    assert wrapup.rank(booked, CODES)[0] == "callback_scheduled"
    assert len(wrapup.rank(booked, CODES)) == wrapup.TOP


def test_keywords_read_without_diacritics_and_in_english() -> None:
    for text in ("Tôi muốn khiếu nại", "toi muon khieu nai", "I want to complain"):
        assert "kw:complaint" in wrapup.features(customer_texts=[text])


def test_recorded_choices_move_a_code_up_and_only_for_similar_conversations() -> None:
    feats = wrapup.features(
        reason="churn_risk", intents=["cancel_card"], customer_texts=["huỷ thẻ vì phí cao"]
    )
    assert wrapup.rank(feats, CODES)[0] != "sale_made"
    counts = wrapup.Counts()
    for _ in range(8):  # agents keep closing these as a retained sale
        counts.add(feats, "sale_made")
    assert wrapup.rank(feats, CODES, counts)[0] == "sale_made"
    other = wrapup.features(did=["callback"], customer_texts=["gọi lại cho tôi"])
    assert wrapup.rank(other, CODES, counts)[0] == "callback_scheduled"


def test_a_code_without_rules_is_learnable() -> None:
    codes = [*CODES, "fee_waived"]
    feats = wrapup.features(reason="complaint", customer_texts=["phí trả chậm sai"])
    assert "fee_waived" not in wrapup.rank(feats, codes)
    counts = wrapup.Counts.of([(feats, "fee_waived")] * 10)
    assert wrapup.rank(feats, codes, counts)[0] == "fee_waived"


def test_no_codes_no_suggestions() -> None:
    assert wrapup.rank(["bias"], []) == []
