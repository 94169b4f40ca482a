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
