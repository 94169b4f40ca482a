"""Fraud: the offer to block, the block itself against the real hub, the urgent hand-off."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.fraud import ActionBlockCardFraud, ActionOfferCardBlock  # noqa: E402
from tests.actions.trackers import (  # noqa: E402
    action,
    make_tracker,
    responses,
    run,
    slot,
    slot_events,
    texts,
    user,
)

PHONES = {"4821": "0901234567", "7305": "0912345678", "5560": "0934567890"}


def packet_of(dispatcher) -> dict:
    [custom] = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    return custom["handoff"]


def fraud_tracker(report: str, last4: str, dob: str, **slots: object):
    events = [
        user(report, "report_fraud"),
        action("action_offer_card_block"),
        slot("block_offered", True),
        user("có", "affirm"),
        action("fraud_form"),
        user(last4, "inform"),
        slot("card_last4", last4),
        user(dob, "inform"),
        slot("dob", dob),
    ]
    # Not signed in: the customer named themself by the phone registered with the bank.
    phone = PHONES.get(last4, "0901234567")
    values = {"phone": phone, "card_last4": last4, "dob": dob, "block_offered": True, **slots}
    return make_tracker(events, values)


def test_a_fraud_report_gets_the_offer_to_block_at_once() -> None:
    tracker = make_tracker([user("có giao dịch lạ trên thẻ, không phải tôi", "report_fraud")])
    dispatcher, events = run(ActionOfferCardBlock(), tracker)
    assert responses(dispatcher) == ["utter_offer_card_block"]
    assert slot_events(events) == {"block_offered": True}


def test_the_card_is_blocked_then_handed_off_urgently(hub) -> None:
    report = "Tôi vừa thấy giao dịch lạ 5 triệu trên thẻ, không phải tôi giao dịch"
    dispatcher, events = run(ActionBlockCardFraud(), fraud_tracker(report, "4821", "1988-03-14"))
    said = texts(dispatcher)
    assert "Thẻ đuôi 4821 đã được khoá" in said and "BLK-" in said
    assert responses(dispatcher) == ["utter_handoff"]
    packet = packet_of(dispatcher)
    assert packet["reason"] == "fraud"
    assert packet["slots"]["card_blocked"] is True
    assert packet["slots"]["card_last4"] == "4821"
    assert packet["problem"] == [report]
    assert packet["slots"]["customer_id"] == "C001"
    updates = slot_events(events)
    # A card check is enough to block, not to show the account: no customer_id slot.
    assert "customer_id" not in updates
    assert updates["block_offered"] is False
    assert updates["card_last4"] is None and updates["dob"] is None
    assert events[-1]["event"] == "pause"


def test_failed_verification_still_hands_off_urgently(hub) -> None:
    tracker = fraud_tracker("someone used my card", "7305", "1990-01-01", language="en")
    dispatcher, events = run(ActionBlockCardFraud(), tracker)
    assert "fraud team will block it with you" in texts(dispatcher)
    packet = packet_of(dispatcher)
    assert packet["reason"] == "fraud"
    assert packet["slots"]["card_blocked"] is False
    assert events[-1]["event"] == "pause"


def test_hub_down_still_hands_off(hub_down) -> None:
    dispatcher, events = run(
        ActionBlockCardFraud(), fraud_tracker("bị lừa đảo", "4821", "1988-03-14")
    )
    assert "1900 6868" in texts(dispatcher)
    assert packet_of(dispatcher)["reason"] == "fraud"
    assert events[-1]["event"] == "pause"


@pytest.mark.parametrize(
    ("report", "question", "lang", "answered"),
    [
        # The scam entry answers (call the hotline: the account is frozen)...
        ("ad ơi e bị lừa chuyển khoản cho kẻ gian 20tr", "h e làm gì đc ạ", "vi", True),
        # ...or no entry is sure: either way the offer to block is made again.
        ("I was tricked into sending 20 million to a scammer", "so what now?", "en", False),
    ],
)
def test_a_question_before_the_block_is_answered_then_the_offer_is_made_again(
    knowledge_hub, report: str, question: str, lang: str, answered: bool
) -> None:
    from actions.faq import ActionAnswerFaq
    from actions.texts import t

    tracker = make_tracker(
        [
            user(report, "report_fraud"),
            action("action_offer_card_block"),
            slot("block_offered", True),
            user(question, "ask_faq"),
        ],
        {"block_offered": True, "language": lang},
    )
    dispatcher, events = run(ActionAnswerFaq(), tracker)
    assert ("1900 6868" in texts(dispatcher)) is answered
    assert ("faq_miss" in slot_events(events)) is not answered
    last = dispatcher.messages[-1]
    assert last["text"] == t("block_offer_again", lang)
    assert [b["payload"] for b in last["buttons"]] == ["/affirm", "/deny"]
