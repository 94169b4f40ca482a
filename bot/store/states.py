"""Conversation states and the moves allowed between them.

bot -> waiting -> assigned -> resolved -> closed, with transfers (assigned -> assigned for
another agent, assigned -> waiting for a team queue) and requeues. waiting -> bot is the
return of a conversation queued only because the bot failed, once the bot is back
(bot.pipeline.bot_return.return_to_bot). Anything else is refused.
"""

from __future__ import annotations

BOT, WAITING, ASSIGNED, RESOLVED, CLOSED = "bot", "waiting", "assigned", "resolved", "closed"
OPEN_STATES = (BOT, WAITING, ASSIGNED)

ALLOWED: dict[str, set[str]] = {
    BOT: {WAITING, RESOLVED, CLOSED},
    WAITING: {ASSIGNED, RESOLVED, CLOSED, BOT},
    ASSIGNED: {ASSIGNED, WAITING, RESOLVED},
    RESOLVED: {CLOSED},
    CLOSED: set(),
}


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"A conversation in state '{current}' cannot move to '{target}'.")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> None:
    if target not in ALLOWED.get(current, set()):
        raise InvalidTransition(current, target)
