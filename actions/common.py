"""Helpers every skill shares: the customer's language and id, and reading the tracker.

The fallback ladder and the handoff packet both need to know which user turns the bot
failed to understand. That is read from the tracker's events (never from a counter slot),
so replays and restarts give the same answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from rasa_sdk import Tracker

from actions.clients.hub import HubClient
from chattext.substance import is_substantive

LANGUAGES = ("vi", "en")
# Intents that mean "the bot did not understand this turn".
FAILED_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
# Set by action_answer_faq when the knowledge base had no confident answer: that turn
# counts as failed too.
FAQ_MISS_SLOT = "faq_miss"
# Set when the knowledge base answered a message the classifier could not place: that turn
# was answered, so it does not count as failed.
KB_ANSWER_SLOT = "kb_answered"
MAX_TURN_CHARS = 500

T = TypeVar("T")


def metadata(tracker: Tracker) -> dict[str, Any]:
    """The hub's metadata: the latest message's, else the session start's."""
    latest = (tracker.latest_message or {}).get("metadata") or {}
    if isinstance(latest, dict) and latest:
        return latest
    started = tracker.get_slot("session_started_metadata") or {}
    return started if isinstance(started, dict) else {}


def language(tracker: Tracker) -> str:
    """The customer's language: the slot (set by NLU each turn), else the hub's hint."""
    value = tracker.get_slot("language")
    if value in LANGUAGES:
        return str(value)
    hint = metadata(tracker).get("language")
    return str(hint) if hint in LANGUAGES else "vi"


def customer_id(tracker: Tracker) -> str | None:
    """The verified or signed-in customer, if any."""
    value = tracker.get_slot("customer_id") or metadata(tracker).get("customer_id")
    return str(value) if value else None


def conversation_id(tracker: Tracker) -> int | None:
    value = metadata(tracker).get("conversation_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def call_hub(func: Callable[[HubClient], T]) -> T:
    """Run one blocking hub call in a worker thread with a client built from the env."""
    client = HubClient.from_env()
    return await asyncio.to_thread(func, client)


@dataclass
class UserTurn:
    text: str
    intent: str | None
    failed: bool


def user_turns(tracker: Tracker) -> list[UserTurn]:
    """User turns of the current session, oldest first, each marked failed or not."""
    turns: list[UserTurn] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            turns = []
        elif kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            turns.append(UserTurn(str(event.get("text") or ""), intent, intent in FAILED_INTENTS))
        elif kind == "rewind" and turns:
            # A reverted turn (a typed "yes" replaced by the choice it took) is not a turn.
            turns.pop()
        elif kind == "slot" and event.get("name") == FAQ_MISS_SLOT and event.get("value"):
            if turns:
                turns[-1].failed = True
        elif kind == "slot" and event.get("name") == KB_ANSWER_SLOT and event.get("value"):
            if turns:
                turns[-1].failed = False
    return turns


def failed_streak(tracker: Tracker, before_latest: bool = False) -> int:
    """How many of the latest user turns in a row the bot failed to understand.

    With `before_latest`, the turn being answered now is left out (an action that is
    about to mark it failed counts it itself).
    """
    turns = user_turns(tracker)
    if before_latest:
        turns = turns[:-1]
    streak = 0
    for turn in reversed(turns):
        if not turn.failed:
            break
        streak += 1
    return streak


def failed_turn_texts(tracker: Tracker, limit: int = 10) -> list[str]:
    """Texts of the failed user turns of this session (most recent `limit`), trimmed."""
    texts = [turn.text[:MAX_TURN_CHARS] for turn in user_turns(tracker) if turn.failed]
    return texts[-limit:]


# Turns that say nothing about the customer's problem: asking for a person, yes/no,
# greetings, thanks, form answers.
NOT_PROBLEM_INTENTS = frozenset(
    {
        "request_human",
        "affirm",
        "deny",
        "greet",
        "goodbye",
        "thank",
        "inform",
        "express_frustration",
        "challenge_bot",
    }
)


def problem_turn_texts(tracker: Tracker, limit: int = 3) -> list[str]:
    """The customer's last substantive turns (their problem), oldest first, trimmed. A
    form answer the classifier did not read as one ("5560", "30/01/1985", "uk") is no
    part of the problem, whatever its intent."""
    texts = [
        turn.text[:MAX_TURN_CHARS]
        for turn in user_turns(tracker)
        if turn.intent not in NOT_PROBLEM_INTENTS and is_substantive(turn.text)
    ]
    return texts[-limit:]


def recent_intents(tracker: Tracker, limit: int = 10) -> list[str]:
    """Intent names of the latest user turns, oldest first."""
    names = [turn.intent for turn in user_turns(tracker) if turn.intent]
    return names[-limit:]
