"""Requests the bot answers with one fixed text (how refunds progress, how to reset a
password), checked against the knowledge base first.

The classifier learns such an intent from its words: "hoàn tiền" is a refund, "login" a
password problem. A customer who asks how much cashback the Gold card gives ("thẻ gold
hoàn tiền bao nhiêu %") or how to switch on fingerprint sign-in uses those words about
something else, and the fixed text answers a question nobody asked. The knowledge base
reads the whole question: when it is sure of an entry on another subject (none of the
intent's tags), that entry answers; otherwise the intent's own text does, as before.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError
from actions.common import MAX_TURN_CHARS
from actions.fallback import offer_human
from actions.faq import looks_like_question
from actions.knowledge import search

# Each fixed-text intent and the knowledge-base tags of its own subject: an entry with
# one of them is the same subject, and the intent's text is the better answer.
SUBJECT_TAGS: dict[str, frozenset[str]] = {
    "refund_status": frozenset({"refund", "disputes", "chargeback"}),
    "reset_password": frozenset({"password"}),
}
# The knowledge base must be clearly sure, not just above the self-service threshold
# (0.4): the classifier's reading is overruled only on strong evidence.
OVERRULE_SCORE = 0.5


def other_subject(intent: str, hits: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The best hit when it is a sure answer on a subject other than the intent's."""
    if not hits or intent not in SUBJECT_TAGS:
        return None
    top = hits[0]
    if not top.get("confident") or float(top.get("score") or 0.0) < OVERRULE_SCORE:
        return None
    if SUBJECT_TAGS[intent] & set(top.get("tags") or []):
        return None
    return top


def answered_just_before(tracker: Tracker, intent: str) -> bool:
    """True when the customer's turn before this one had the same fixed-text intent and
    this action answered it."""
    users = 0
    answered = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                return answered and name == intent
        elif users == 1 and event.get("event") == "action":
            answered = answered or event.get("name") == "action_answer_fixed_request"
    return False


class ActionAnswerFixedRequest(Action):
    """Answer a fixed-text request, unless the knowledge base is sure it asks another thing."""

    def name(self) -> str:
        return "action_answer_fixed_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        latest = tracker.latest_message or {}
        intent = str((latest.get("intent") or {}).get("name") or "")
        text = str(latest.get("text") or "")[:MAX_TURN_CHARS]
        if intent in SUBJECT_TAGS and looks_like_question(text) and not text.startswith("/"):
            try:
                hit = other_subject(intent, await search(tracker, text))
            except HubError:
                hit = None
            if hit is not None:
                dispatcher.utter_message(text=str(hit.get("answer", "")))
                return []
        if answered_just_before(tracker, intent) and not looks_like_question(text):
            # Said again right after its answer, not as a question ("I still can't log
            # in"): the same text again would not help, so a person is offered, as after
            # two misses. A question ("how long until it shows up?") is answered again.
            return offer_human(dispatcher, "fallback", "utter_offer_human")
        dispatcher.utter_message(response=f"utter_{intent}")
        return []
