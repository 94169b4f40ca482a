"""What the agent's suggestions search for: the conversation's recent customer turns as the
assist engine keeps them, and the query built from them (the customer's problem, never a
form answer), plus the shape of one suggestion as the panel receives it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chattext.substance import FOLLOW_UP_WORDS, contextual_query, is_substantive

# Turns kept per conversation: the problem may precede a request for a person and a whole
# form's answers (card digits, date of birth, yes), and it is still what the agent needs.
KEPT_TURNS = 20
FLAG_TURNS = 50  # customer turns read back for the flags (churn words, a request for a person)


@dataclass
class Turn:
    message_id: int
    text: str
    at: float  # time.time() of the stored message


@dataclass
class ConvState:
    turns: list[Turn] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    latest_message_id: int = 0
    assist: dict[str, Any] | None = None
    topics: list[str] = field(default_factory=list)  # of the answers last suggested
    shown_offer: tuple[str, str] | None = None  # (rule_id, offer_id) last recorded as shown


def stands_alone(text: str, asks_for_person: Callable[[str], bool] | None = None) -> bool:
    """True when a customer turn is its own search query: it says something (not a form
    answer, a yes/no or gibberish), is long enough to need no earlier turn, and is not a
    request for a person (whose query is the problem stated before it)."""
    return (
        is_substantive(text)
        and len(text.split()) >= FOLLOW_UP_WORDS
        and not (asks_for_person is not None and asks_for_person(text))
    )


def build_query(turns: list[Turn], asks_for_person: Callable[[str], bool] | None = None) -> str:
    """The query for the agent's suggestions: the customer's latest substantive turn, led
    by the one before it when it is a short follow-up (``chattext.substance``). Form
    answers (card digits, a date of birth, "yes") never make the query, however long ago
    the problem was stated.

    Turns that only ask for a person ("cho tôi gặp nhân viên") are skipped too: the agent
    needs answers to the customer's problem, which an earlier turn stated. A conversation
    whose only words ask for a person is searched on them.
    """
    texts = [t.text for t in turns]
    if asks_for_person is not None:
        problem = [t for t in texts if not asks_for_person(t)]
        query = contextual_query(problem)
        if query:
            return query
    return contextual_query(texts)


def suggestion_json(hit: dict[str, Any], rank: int) -> dict[str, Any]:
    return {
        "entry_id": hit["id"],
        "question": hit.get("question", ""),
        "answer": hit.get("answer", ""),
        "score": round(float(hit.get("score", 0.0)), 4),
        "confident": bool(hit.get("confident")),
        "lang": hit.get("lang"),
        "rank": rank,  # 0 is the top suggestion
    }
