"""The fallback ladder: rephrase, offer a person, hand off; counted from tracker events."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.common import failed_streak  # noqa: E402
from actions.fallback import (  # noqa: E402
    ActionDeclineHuman,
    ActionHandleFallback,
    ActionOfferHuman,
)
from tests.actions.trackers import action, make_tracker, responses, run, slot, slot_events, user  # noqa: E402


def test_first_failure_asks_to_rephrase() -> None:
    tracker = make_tracker(
        [user("xin chào", "greet"), action("utter_greet"), user("asdfgh", "nlu_fallback")]
    )
    dispatcher, events = run(ActionHandleFallback(), tracker)
    assert responses(dispatcher) == ["utter_ask_rephrase"]
    assert events == []


def test_second_failure_offers_a_person() -> None:
    tracker = make_tracker(
        [
            user("thời tiết thế nào", "out_of_scope"),
            action("action_handle_fallback"),
            user("qwerty", "nlu_fallback"),
        ]
    )
    dispatcher, events = run(ActionHandleFallback(), tracker)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert slot_events(events) == {"human_offered": True, "offer_reason": "fallback"}


def test_third_failure_hands_off() -> None:
    tracker = make_tracker(
        [user("a", "nlu_fallback"), user("b", "out_of_scope"), user("c", "nlu_fallback")]
    )
    dispatcher, events = run(ActionHandleFallback(), tracker)
    assert responses(dispatcher) == ["utter_handoff"]
    packet = dispatcher.messages[1]["custom"]["handoff"]
    assert packet["reason"] == "fallback"
    assert packet["failed_turns"] == ["a", "b", "c"]
    assert events[-1]["event"] == "pause"


def test_an_understood_turn_resets_the_ladder() -> None:
    tracker = make_tracker(
        [
            user("a", "nlu_fallback"),
            user("b", "nlu_fallback"),
            user("không", "deny"),
            user("c", "nlu_fallback"),
        ]
    )
    dispatcher, _ = run(ActionHandleFallback(), tracker)
    assert responses(dispatcher) == ["utter_ask_rephrase"]


def test_an_unanswered_question_counts_as_a_failure() -> None:
    tracker = make_tracker(
        [
            user("phí xyz là gì", "ask_faq"),
            slot("faq_miss", "phí xyz là gì"),
            user("???", "nlu_fallback"),
        ]
    )
    dispatcher, _ = run(ActionHandleFallback(), tracker)
    assert responses(dispatcher) == ["utter_offer_human"]


def test_a_new_session_starts_a_new_ladder() -> None:
    tracker = make_tracker(
        [
            user("a", "nlu_fallback"),
            user("b", "nlu_fallback"),
            {"event": "session_started"},
            user("c", "nlu_fallback"),
        ]
    )
    dispatcher, _ = run(ActionHandleFallback(), tracker)
    assert responses(dispatcher) == ["utter_ask_rephrase"]


def test_frustration_offer_and_decline() -> None:
    dispatcher, events = run(
        ActionOfferHuman(), make_tracker([user("tệ quá", "express_frustration")])
    )
    assert responses(dispatcher) == ["utter_offer_human_frustration"]
    assert slot_events(events) == {"human_offered": True, "offer_reason": "frustration"}

    dispatcher, events = run(
        ActionDeclineHuman(), make_tracker([user("không", "deny")], {"human_offered": True})
    )
    assert responses(dispatcher) == ["utter_anything_else"]
    assert slot_events(events)["human_offered"] is False


def test_streak_before_the_turn_being_answered() -> None:
    tracker = make_tracker(
        [user("blorp?", "ask_faq"), slot("faq_miss", "blorp?"), user("zxqv?", "ask_faq")]
    )
    assert failed_streak(tracker) == 0
    assert failed_streak(tracker, before_latest=True) == 1


def _ranked(tracker, ranking):  # type: ignore[no-untyped-def]
    tracker.latest_message["intent_ranking"] = [
        {"name": name, "confidence": confidence} for name, confidence in ranking
    ]
    return tracker


def test_first_failure_offers_the_two_likeliest_requests_as_buttons(hub_down: None) -> None:
    tracker = _ranked(
        make_tracker([user("the bi nuot o cay atm", "nlu_fallback")], slots={"language": "en"}),
        [
            ("nlu_fallback", 0.45),
            ("report_lost_card", 0.38),
            ("affirm", 0.2),
            ("ask_faq", 0.17),
            ("complaint", 0.1),
        ],
    )
    dispatcher, events = run(ActionHandleFallback(), tracker)
    [message] = dispatcher.messages
    assert message["text"].startswith("Sorry, I'm not sure I understood")
    # Replies such as "yes" are never offered as a button; unlikely requests neither.
    assert [b["payload"] for b in message["buttons"]] == ["/report_lost_card", "/ask_faq"]
    assert [b["title"] for b in message["buttons"]] == ["Lost or stolen card", "Ask a question"]
    assert events == []


def test_typed_yes_to_the_block_offer_starts_the_block_form() -> None:
    for text in ("khoá luôn đi", "ừ khoá đi", "yes, block it"):
        tracker = make_tracker(
            [action("action_offer_card_block"), user(text, "nlu_fallback")],
            slots={"block_offered": True},
        )
        dispatcher, events = run(ActionHandleFallback(), tracker)
        assert events == [{"event": "followup", "name": "fraud_form", "timestamp": None}], text
        assert dispatcher.messages == []


def test_typed_no_to_the_block_offer_goes_to_the_fraud_team() -> None:
    tracker = make_tracker(
        [user("có giao dịch lạ", "report_fraud"), user("đừng khoá", "nlu_fallback")],
        slots={"block_offered": True},
    )
    dispatcher, events = run(ActionHandleFallback(), tracker)
    packet = dispatcher.messages[1]["custom"]["handoff"]
    assert packet["reason"] == "fraud"
    assert events[-1]["event"] == "pause"


def test_an_unclear_answer_to_the_block_offer_is_asked_again_then_handed_off() -> None:
    first = make_tracker(
        [user("có giao dịch lạ", "report_fraud"), user("hả, sao cơ", "nlu_fallback")],
        slots={"block_offered": True, "language": "vi"},
    )
    dispatcher, events = run(ActionHandleFallback(), first)
    assert "khoá thẻ ngay bây giờ" in dispatcher.messages[0]["text"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == []

    second = make_tracker(
        [
            user("có giao dịch lạ", "report_fraud"),
            user("hả, sao cơ", "nlu_fallback"),
            action("action_handle_fallback"),
            user("???", "nlu_fallback"),
        ],
        slots={"block_offered": True},
    )
    dispatcher, events = run(ActionHandleFallback(), second)
    assert dispatcher.messages[1]["custom"]["handoff"]["reason"] == "fraud"
    assert events[-1]["event"] == "pause"


def test_failed_turns_in_a_protective_form_hand_off_urgently_with_its_reason() -> None:
    for form, reason in (("fraud_form", "fraud"), ("lost_card_form", "lost_card")):
        once = make_tracker([user("ờm", "nlu_fallback")], active_loop=form)
        dispatcher, events = run(ActionHandleFallback(), once)
        # One miss: a short apology, and the form asks its question again.
        assert "chưa nhận được" in dispatcher.messages[0]["text"] and events == []

        twice = make_tracker(
            [user("ờm", "nlu_fallback"), user("hmm", "nlu_fallback")], active_loop=form
        )
        dispatcher, events = run(ActionHandleFallback(), twice)
        assert dispatcher.messages[1]["custom"]["handoff"]["reason"] == reason
        assert events[-1]["event"] == "pause"


def test_a_message_the_classifier_missed_is_answered_from_the_knowledge_base(
    knowledge_hub: object,
) -> None:
    tracker = make_tracker(
        [user("phí thường niên của thẻ Classic là bao nhiêu vậy", "nlu_fallback")],
        slots={"language": "vi"},
    )
    dispatcher, events = run(ActionHandleFallback(), tracker)
    assert "300.000" in dispatcher.messages[0]["text"]
    assert "buttons" not in dispatcher.messages[0] or not dispatcher.messages[0]["buttons"]
    # Answered: the turn does not count towards the fallback ladder.
    assert slot_events(events) == {"kb_answered": "yes"}


def test_a_turn_the_knowledge_base_answered_is_not_a_failure() -> None:
    tracker = make_tracker(
        [
            user("thẻ ảo là gì", "nlu_fallback"),
            slot("kb_answered", "yes"),
            user("qwerty", "nlu_fallback"),
        ]
    )
    assert failed_streak(tracker) == 1
