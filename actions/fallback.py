"""The fallback ladder and offers of a person.

1st failed turn in a row: ask to rephrase, with examples. 2nd: offer a person (buttons).
3rd or more: hand off directly, so the customer is never trapped. Frustration brings an
offer of a person at once. The count is read from the tracker's events.
"""

from __future__ import annotations

import contextlib

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError
from actions.common import MAX_TURN_CHARS, call_hub, failed_streak, language
from actions.handoff import hand_off

OFFER_AT = 2
HANDOFF_AT = 3


def offer_human(dispatcher: CollectingDispatcher, reason: str, response: str) -> list[EventType]:
    """Offer a person with buttons; a typed yes/no is read against `human_offered`."""
    dispatcher.utter_message(response=response)
    return [SlotSet("human_offered", True), SlotSet("offer_reason", reason)]


async def report_gap(tracker: Tracker) -> None:
    """Tell the hub's knowledge-gap inbox what was not understood; never blocks the ladder."""
    text = str((tracker.latest_message or {}).get("text") or "")[:MAX_TURN_CHARS]
    if not text.strip() or text.startswith("/"):
        return
    with contextlib.suppress(HubError):
        await call_hub(lambda hub: hub.report_gap(text, language(tracker), tracker.sender_id))


class ActionHandleFallback(Action):
    """Climb the fallback ladder by one rung."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await report_gap(tracker)
        streak = failed_streak(tracker)
        if streak >= HANDOFF_AT:
            return hand_off(dispatcher, tracker, "fallback")
        if streak >= OFFER_AT:
            return offer_human(dispatcher, "fallback", "utter_offer_human")
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []


class ActionOfferHuman(Action):
    """Proactively offer a person to a frustrated customer."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return offer_human(dispatcher, "frustration", "utter_offer_human_frustration")


class ActionDeclineHuman(Action):
    """The customer turned the offer down: carry on with the bot."""

    def name(self) -> str:
        return "action_decline_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("human_offered", False), SlotSet("offer_reason", None)]
