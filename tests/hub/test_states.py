"""The conversation state machine refuses impossible moves."""

import pytest

from bot.store import states


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("bot", "waiting"),
        ("waiting", "assigned"),
        ("assigned", "resolved"),
        ("assigned", "waiting"),
        ("assigned", "assigned"),
        ("resolved", "closed"),
        ("bot", "closed"),
        ("waiting", "bot"),  # queued only because the bot failed, and the bot is back
    ],
)
def test_allowed_moves(current: str, target: str) -> None:
    states.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("bot", "assigned"),
        ("closed", "bot"),
        ("resolved", "assigned"),
        ("closed", "waiting"),
        ("assigned", "bot"),
    ],
)
def test_impossible_moves_are_refused(current: str, target: str) -> None:
    with pytest.raises(states.InvalidTransition, match=f"'{current}' cannot move to '{target}'"):
        states.check_transition(current, target)
