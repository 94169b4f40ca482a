"""FAQ answers from the knowledge module, in the customer's language.

A confident hit is answered directly. Otherwise the bot says it is not sure, suggests up
to two related questions (as buttons that send the question), and the turn counts as
failed for the fallback ladder: the second failure in a row offers a person.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError
from actions.common import (
    FAQ_MISS_SLOT,
    MAX_TURN_CHARS,
    call_hub,
    failed_streak,
    language,
    user_turns,
)
from actions.fallback import OFFER_AT, offer_human
from actions.texts import t
from chattext.substance import contextual_query

MAX_SUGGESTIONS = 2


class ActionAnswerFaq(Action):
    """Answer a general question from the knowledge base."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        # A short follow-up ("còn thẻ Platinum thì sao?") is asked in the context of the
        # question before it; the hub searches both together.
        turns = [turn.text for turn in user_turns(tracker) if not turn.text.startswith("/")]
        latest = str((tracker.latest_message or {}).get("text") or "")
        if not turns or turns[-1] != latest:
            turns.append(latest)
        question = contextual_query(turns, answer_latest=True)[:MAX_TURN_CHARS]
        try:
            hits = await call_hub(lambda hub: hub.answer(question, lang, tracker.sender_id))
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return offer_human(dispatcher, "hub_unavailable", "utter_offer_human")

        if hits and hits[0].get("confident"):
            dispatcher.utter_message(text=str(hits[0].get("answer", "")))
            return []
        return self._not_sure(dispatcher, tracker, lang, question, hits)

    @staticmethod
    def _not_sure(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        lang: str,
        question: str,
        hits: list[dict[str, Any]],
    ) -> list[EventType]:
        # This turn is a failure too: count it before deciding on the rung.
        streak = failed_streak(tracker, before_latest=True) + 1
        miss: list[EventType] = [SlotSet(FAQ_MISS_SLOT, question or "?")]
        suggestions = [h for h in hits if h.get("question")][:MAX_SUGGESTIONS]
        if suggestions:
            buttons = [{"title": h["question"], "payload": h["question"]} for h in suggestions]
            dispatcher.utter_message(
                text=f"{t('faq_not_sure', lang)} {t('faq_suggestions', lang)}", buttons=buttons
            )
        else:
            dispatcher.utter_message(text=f"{t('faq_not_sure', lang)} {t('faq_rephrase', lang)}")
        if streak >= OFFER_AT:
            return miss + offer_human(dispatcher, "fallback", "utter_offer_human")
        return miss
