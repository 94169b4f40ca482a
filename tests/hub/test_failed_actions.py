"""A bot turn whose custom action could not run is known from Rasa's reply itself: Rasa adds
a custom message naming the action (nlu/action_results.py), which the router reads and
keeps out of what the customer sees, instead of probing the action server after every turn."""

from __future__ import annotations

from bot.pipeline.bot_answer import ACTION_FAILED, BotAnswer

FALLBACK = {"recipient_id": "web-7", "text": "Xin lỗi, mình chưa hiểu ý bạn."}
FAILED = {"recipient_id": "web-7", "custom": {ACTION_FAILED: "action_answer_faq"}}
HANDOFF = {"recipient_id": "web-7", "custom": {"handoff": {"reason": "fraud"}}}


def test_a_turn_with_a_failed_action_is_not_an_answer() -> None:
    answer = BotAnswer.of([FAILED, FALLBACK])
    assert answer.actions_failed and answer.may_hand_off
    # The word is for the hub: the customer never sees it.
    assert answer.replies == [FALLBACK]


def test_a_turn_without_it_is_taken_as_said() -> None:
    answer = BotAnswer.of([FALLBACK, HANDOFF])
    assert not answer.actions_failed
    assert answer.replies == [FALLBACK, HANDOFF]
    assert not BotAnswer.of([FALLBACK]).may_hand_off
