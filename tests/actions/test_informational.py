"""A fixed-text request (refund progress, password reset) is checked against the knowledge
base: a sure answer on another subject answers instead of the fixed text."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.informational import ActionAnswerFixedRequest, other_subject  # noqa: E402
from tests.actions.trackers import (  # noqa: E402
    action,
    bot,
    make_tracker,
    responses,
    run,
    slot_events,
    texts,
    user,
)


def test_the_intents_own_subject_keeps_its_fixed_text(knowledge_hub) -> None:
    tracker = make_tracker(
        [user("Tôi quên mật khẩu đăng nhập app thì làm sao?", "reset_password")],
        {"language": "vi"},
    )
    dispatcher, _ = run(ActionAnswerFixedRequest(), tracker)
    assert responses(dispatcher) == ["utter_reset_password"]


def test_a_sure_answer_on_another_subject_answers_instead(knowledge_hub) -> None:
    # Worded like a password problem ("login"), asking about face sign-in.
    tracker = make_tracker(
        [user("Can I log in to the app with Face ID instead of typing?", "reset_password")],
        {"language": "en"},
    )
    dispatcher, _ = run(ActionAnswerFixedRequest(), tracker)
    assert responses(dispatcher) == [], texts(dispatcher)
    assert "face" in texts(dispatcher).lower()


def test_a_statement_is_not_overruled(knowledge_hub) -> None:
    tracker = make_tracker([user("tiền hoàn chưa về", "refund_status")], {"language": "vi"})
    dispatcher, _ = run(ActionAnswerFixedRequest(), tracker)
    assert responses(dispatcher) == ["utter_refund_status"]


def test_the_fixed_text_when_the_hub_is_down(hub_down) -> None:
    tracker = make_tracker([user("how much cashback is there?", "refund_status")])
    dispatcher, _ = run(ActionAnswerFixedRequest(), tracker)
    assert responses(dispatcher) == ["utter_refund_status"]


def test_other_subject_needs_a_sure_hit_without_the_intents_tags() -> None:
    hit = {"confident": True, "score": 0.6, "tags": ["rewards", "cashback"], "answer": "x"}
    assert other_subject("refund_status", [hit]) == hit
    assert other_subject("refund_status", [{**hit, "tags": ["disputes", "refund"]}]) is None
    assert other_subject("refund_status", [{**hit, "score": 0.45}]) is None
    assert other_subject("reset_password", []) is None
    assert other_subject("greet", [hit]) is None


def test_the_same_fixed_request_right_after_its_answer_offers_a_person() -> None:
    # "I still can't log in" after the password steps: the same steps again would not
    # help; a person is offered instead.
    again = make_tracker(
        [
            user("I forgot my password for the app", "reset_password"),
            action("action_answer_fixed_request"),
            bot("To reset your password: ..."),
            user("it still doesn't let me in", "reset_password"),
        ],
        {"language": "en"},
    )
    dispatcher, events = run(ActionAnswerFixedRequest(), again)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert slot_events(events)["human_offered"] is True
    first = make_tracker([user("I forgot my password for the app", "reset_password")])
    dispatcher, events = run(ActionAnswerFixedRequest(), first)
    assert responses(dispatcher) == ["utter_reset_password"]
    assert events == []


def test_a_question_on_the_same_request_is_answered_again() -> None:
    follow_up = make_tracker(
        [
            user("the shop says it refunded me", "refund_status"),
            action("action_answer_fixed_request"),
            bot("Refunds from a merchant usually reach the card in 5-15 working days..."),
            user("how long until I see it on my card?", "refund_status"),
        ],
        {"language": "en"},
    )
    dispatcher, events = run(ActionAnswerFixedRequest(), follow_up)
    assert responses(dispatcher) == ["utter_refund_status"]
    assert events == []
