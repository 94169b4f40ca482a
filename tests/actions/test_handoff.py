"""The handoff packet the hub queues, and pausing the bot."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.handoff import ActionHandoffToHuman  # noqa: E402
from tests.actions.trackers import action, make_tracker, responses, run, slot, user  # noqa: E402


def packet_of(dispatcher) -> dict:
    [custom] = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    return custom["handoff"]


def test_request_for_a_person_sends_the_packet_and_pauses() -> None:
    meta = {"customer_id": "C002", "language": "vi", "channel": "web", "conversation_id": 7}
    events = [
        user("xin chào", "greet", meta),
        action("utter_greet"),
        user("thời tiết hôm nay", "out_of_scope", meta),
        action("action_handle_fallback"),
        user("cho tôi gặp nhân viên", "request_human", meta),
    ]
    dispatcher, result = run(ActionHandoffToHuman(), make_tracker(events))
    assert responses(dispatcher) == ["utter_handoff"]
    packet = packet_of(dispatcher)
    assert packet == {
        "customer_id": "C002",
        "language": "vi",
        "intents": ["greet", "out_of_scope", "request_human"],
        # The language slot has no initial value any more (a message or the hub tells
        # it); here only the metadata did, which gives the packet's language above.
        "slots": {},
        "failed_turns": ["thời tiết hôm nay"],
        "problem": ["thời tiết hôm nay"],
        "form": None,
        "form_slots": {},
        "reason": "customer_request",
    }
    assert result[-1]["event"] == "pause"


def test_mid_form_request_reports_the_form_and_its_slots() -> None:
    events = [
        user("I lost my card", "report_lost_card"),
        action("lost_card_form"),
        user("0901234567", "inform"),
        slot("phone", "0901234567"),
        action("lost_card_form"),
        user("4821", "inform"),
        slot("card_last4", "4821"),
        action("lost_card_form"),
        user("talk to an agent", "request_human"),
        action("action_deactivate_loop"),
    ]
    tracker = make_tracker(
        events,
        {
            "phone": "0901234567",
            "card_last4": "4821",
            "language": "en",
            "requested_slot": "dob",
            "human_offered": False,
        },
    )
    dispatcher, _ = run(ActionHandoffToHuman(), tracker)
    packet = packet_of(dispatcher)
    assert packet["reason"] == "form_abandoned"
    assert packet["language"] == "en"
    assert packet["slots"] == {"phone": "0901234567", "card_last4": "4821", "language": "en"}
    assert packet["customer_id"] is None
    # The agent sees which form was left and what it had gathered, the phone it was given
    # included (the customer is not verified: the agent looks the card up by it).
    assert packet["form"] == "lost_card_form"
    assert packet["form_slots"] == {"phone": "0901234567", "card_last4": "4821"}
    assert packet["problem"] == ["I lost my card"]


def test_the_problem_not_the_request_for_a_person_reaches_the_agent() -> None:
    events = [
        user("xin chào", "greet"),
        user("phí rút tiền mặt bằng thẻ tín dụng là bao nhiêu", "ask_faq"),
        user("ok", "affirm"),
        user("cho tôi gặp nhân viên", "request_human"),
    ]
    dispatcher, _ = run(ActionHandoffToHuman(), make_tracker(events))
    packet = packet_of(dispatcher)
    assert packet["problem"] == ["phí rút tiền mặt bằng thẻ tín dụng là bao nhiêu"]
    assert packet["form"] is None


def test_form_answers_are_no_part_of_the_problem_whatever_their_intent() -> None:
    problem = "I just saw a strange 5 million transaction on my card, it wasn't me"
    events = [
        user(problem, "report_fraud"),
        # Answers to the bot's questions, some of them read as something else.
        user("5560", "ask_faq"),
        user("30/01/1985", "nlu_fallback"),
        user("uk", "report_fraud"),
        user("yes", "affirm"),
        user("cho tôi gặp nhân viên", "request_human"),
    ]
    dispatcher, _ = run(ActionHandoffToHuman(), make_tracker(events))
    assert packet_of(dispatcher)["problem"] == [problem]


@pytest.mark.parametrize(
    ("intent", "text", "reason"),
    [
        ("report_fraud", "có giao dịch lạ trên thẻ, không phải tôi", "fraud"),
        ("cancel_card", "tôi muốn hủy thẻ tín dụng", "churn_risk"),
        ("complaint", "tôi muốn khiếu nại thái độ nhân viên", "complaint"),
    ],
)
def test_the_reason_comes_from_what_the_customer_came_for(
    intent: str, text: str, reason: str
) -> None:
    events = [user(text, intent), user("cho tôi gặp nhân viên", "request_human")]
    dispatcher, result = run(ActionHandoffToHuman(), make_tracker(events))
    packet = packet_of(dispatcher)
    assert packet["reason"] == reason
    assert packet["problem"] == [text]
    assert result[-1]["event"] == "pause"


def test_accepting_an_offer_keeps_the_offer_reason() -> None:
    events = [
        user("tệ quá", "express_frustration"),
        action("action_offer_human"),
        user("có", "affirm"),
    ]
    tracker = make_tracker(events, {"human_offered": True, "offer_reason": "frustration"})
    dispatcher, result = run(ActionHandoffToHuman(), tracker)
    assert packet_of(dispatcher)["reason"] == "frustration"
    assert {"event": "slot", "name": "human_offered", "value": False, "timestamp": None} in result


def test_an_active_form_is_closed() -> None:
    tracker = make_tracker([user("gap nguoi that", "request_human")], active_loop="callback_form")
    _, result = run(ActionHandoffToHuman(), tracker)
    kinds = [e["event"] for e in result]
    assert "active_loop" in kinds and kinds[-1] == "pause"
