"""The customer's mood is scored before the router's write transaction, for exactly the
messages whose turn can leave them with people: scoring embeds the text, and inside the
transaction it would hold SQLite's write lock for every other writer meanwhile."""

from __future__ import annotations

from bot.handoff import mood
from bot.pipeline.bot_answer import BotAnswer
from bot.store import states

ANSWERED = BotAnswer(replies=[{"text": "Phí thường niên là 200.000 VND."}])


def test_messages_with_people_are_scored_whatever_the_bot_said() -> None:
    for state in (states.WAITING, states.ASSIGNED):
        assert mood.worth_scoring(state, None)


def test_a_bot_turn_is_scored_only_when_it_can_end_in_a_hand_off() -> None:
    handoff = BotAnswer(replies=[{"custom": {"handoff": {"reason": "fraud"}}}])
    assert not mood.worth_scoring(states.BOT, ANSWERED)
    assert not mood.worth_scoring(states.BOT, None)  # an attachment or an answered re-drive
    for may_hand_off in (
        handoff,
        BotAnswer(down="connection refused"),
        BotAnswer(replies=ANSWERED.replies, actions_failed=True),
        BotAnswer(replies=[]),  # no answer to a real message: counted towards a person
    ):
        assert may_hand_off.may_hand_off
        assert mood.worth_scoring(states.BOT, may_hand_off)


def test_resolved_conversations_take_survey_answers_not_moods() -> None:
    assert not mood.worth_scoring(states.RESOLVED, None)
    assert not mood.worth_scoring(states.CLOSED, ANSWERED)
