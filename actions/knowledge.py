"""Asking the knowledge base for the customer's question, in the context of the one before.

One place builds the search question, so the FAQ answer, the fallback's knowledge look-up
and a question asked in the middle of a form all read a follow-up ("còn thẻ Platinum thì
sao?", "and what about the Platinum one?") the same way: with the topic of the question
before it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.clients.hub import HubError
from actions.common import MAX_TURN_CHARS, call_hub, language, user_turns
from chattext.substance import contextual_query


def question_of(tracker: Tracker) -> str:
    """The search question for the latest message: itself, led by the previous question's
    topic when it is a short follow-up."""
    turns = [turn.text for turn in user_turns(tracker) if not turn.text.startswith("/")]
    latest = str((tracker.latest_message or {}).get("text") or "")
    if not turns or turns[-1] != latest:
        turns.append(latest)
    return contextual_query(turns, answer_latest=True)[:MAX_TURN_CHARS]


# What a question asked in the middle of a form is most likely about, as knowledge-base
# tags: what comes after the form's task (a replacement card, unblocking, a dispute), not
# the task itself, which the form is doing.
FORM_SUBJECTS: dict[str, tuple[str, ...]] = {
    "lost_card_form": ("replacement", "blocking"),
    "fraud_form": ("replacement", "blocking", "disputes"),
}


def subject_of(tracker: Tracker) -> tuple[str, ...]:
    """The tags of the subject under way: the active form's, else none."""
    return FORM_SUBJECTS.get(str((tracker.active_loop or {}).get("name") or ""), ())


async def search(tracker: Tracker, question: str) -> list[dict[str, Any]]:
    """Knowledge-base hits for the question, best first (raises HubError)."""
    lang = language(tracker)
    prefer = subject_of(tracker)
    return await call_hub(lambda hub: hub.answer(question, lang, tracker.sender_id, prefer))


async def confident_answer(tracker: Tracker) -> str | None:
    """The answer the knowledge base is confident of for the latest message, if any (None
    too when the hub cannot be reached: the caller goes on without it)."""
    question = question_of(tracker)
    if not question:
        return None
    try:
        hits = await search(tracker, question)
    except HubError:
        return None
    if hits and hits[0].get("confident"):
        return str(hits[0].get("answer", ""))
    return None
