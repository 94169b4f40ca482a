"""The fallback ladder: rephrase, offer a person, hand off; counted from tracker events."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.common import failed_streak, user_turns  # noqa: E402
from actions.fallback import (  # noqa: E402
    ActionAffirmWithoutOffer,
    ActionDeclineHuman,
    ActionHandleFallback,
    ActionOfferHuman,
)
from actions.texts import t  # noqa: E402
from tests.actions.trackers import (
    action,
    bot,
    make_tracker,
    responses,
    run,
    slot,
    slot_events,
    user,
)  # noqa: E402


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


def _did_you_mean(buttons: list[dict[str, str]], lang: str = "en") -> dict[str, object]:
    return bot(t("did_you_mean", lang), buttons)


def test_a_typed_yes_takes_the_one_choice_a_did_you_mean_offered() -> None:
    # Rasa's two-stage fallback does the same with an affirmed intent: the yes is reverted
    # and the choice is the customer's turn.
    reset = {"title": "Reset my password", "payload": "/reset_password"}
    tracker = make_tracker(
        [
            user("still the same after reinstalling", "nlu_fallback"),
            action("action_handle_fallback"),
            _did_you_mean([reset]),
            action("action_listen"),
            user("yes", "affirm"),
        ]
    )
    dispatcher, events = run(ActionAffirmWithoutOffer(), tracker)
    assert dispatcher.messages == []
    assert [e["event"] for e in events] == ["rewind", "action", "user"]
    assert events[1]["name"] == "action_listen"
    assert events[2]["text"] == "/reset_password"
    assert events[2]["parse_data"]["intent"] == {"name": "reset_password", "confidence": 1.0}


def test_a_typed_yes_takes_the_one_suggested_question() -> None:
    question = "Thẻ ghi nợ có mất phí thường niên không?"
    tracker = make_tracker(
        [
            user("phi the", "ask_faq"),
            bot(
                f"{t('faq_not_sure', 'vi')} {t('faq_suggestions', 'vi')}",
                [{"title": question, "payload": question}],
            ),
            user("ừ đúng rồi", "affirm"),
        ]
    )
    _, events = run(ActionAffirmWithoutOffer(), tracker)
    assert events[2]["text"] == question
    assert events[2]["parse_data"]["intent"]["name"] == "ask_faq"


def test_a_yes_to_two_choices_or_to_an_answer_asks_what_the_customer_needs() -> None:
    fraud = {"title": "Report fraud", "payload": "/report_fraud"}
    cancel = {"title": "Cancel a card", "payload": "/cancel_card"}
    person = {"title": "Talk to a person", "payload": "/request_human"}
    for before in (
        _did_you_mean([fraud, cancel]),  # which one? the yes does not say
        bot("To reset your password, tap Forgot password.", [person]),  # not a choice
    ):
        tracker = make_tracker([user("x", "nlu_fallback"), before, user("yes", "affirm")])
        dispatcher, events = run(ActionAffirmWithoutOffer(), tracker)
        assert responses(dispatcher) == ["utter_ask_how_help"]
        assert events == []


def test_a_choice_offered_turns_ago_is_not_taken() -> None:
    reset = {"title": "Reset my password", "payload": "/reset_password"}
    tracker = make_tracker(
        [
            user("hmm", "nlu_fallback"),
            _did_you_mean([reset]),
            user("no", "deny"),
            user("yes", "affirm"),
        ]
    )
    dispatcher, events = run(ActionAffirmWithoutOffer(), tracker)
    assert responses(dispatcher) == ["utter_ask_how_help"]
    assert events == []


def test_a_reverted_turn_is_not_counted() -> None:
    tracker = make_tracker(
        [
            user("hmm", "nlu_fallback"),
            user("yes", "affirm"),
            {"event": "rewind"},
            user("/reset_password", "reset_password"),
        ]
    )
    assert [turn.text for turn in user_turns(tracker)] == ["hmm", "/reset_password"]


def test_a_yes_that_names_one_of_two_choices_takes_it() -> None:
    first = "Tôi chuyển khoản nhầm người thì làm sao lấy lại?"
    second = "Chuyển khoản báo lỗi nhưng tài khoản vẫn bị trừ tiền"
    suggestions = bot(
        f"{t('faq_not_sure', 'vi')} {t('faq_suggestions', 'vi')}",
        [{"title": q, "payload": q} for q in (first, second)],
    )
    for reply, question in (("ừ câu đầu", first), ("cái thứ hai", second), ("ok cái cuối", second)):
        tracker = make_tracker(
            [user("ck nham tk r", "ask_faq"), suggestions, user(reply, "affirm")]
        )
        _, events = run(ActionAffirmWithoutOffer(), tracker)
        assert events[2]["text"] == question, reply
