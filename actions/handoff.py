"""Handing a conversation to a person: the handoff packet and pausing the bot.

The hub reads the `handoff` custom payload from Rasa's REST response, queues the
conversation for an agent and routes the customer's next messages there. The bot pauses
itself (ConversationPaused) so that it stays quiet until the hub resumes it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import customer_id, failed_turn_texts, language, recent_intents

# Bookkeeping slots that mean nothing to an agent.
INTERNAL_SLOTS = frozenset(
    {
        "requested_slot",
        "session_started_metadata",
        "human_offered",
        "offer_reason",
        "verify_failures",
        "faq_miss",
    }
)


def filled_slots(tracker: Tracker) -> dict[str, Any]:
    """Slots with a value, minus internal bookkeeping."""
    return {
        name: value
        for name, value in tracker.current_slot_values().items()
        if name not in INTERNAL_SLOTS and value not in (None, "", [])
    }


def handoff_reason(tracker: Tracker) -> str:
    """Why the customer is being handed over, as the hub's queue shows it."""
    intent = (tracker.latest_message or {}).get("intent", {}).get("name")
    if intent == "affirm" and tracker.get_slot("human_offered"):
        return str(tracker.get_slot("offer_reason") or "customer_request")
    if intent == "request_human" and _form_closed_this_turn(tracker):
        return "form_abandoned"
    return "customer_request"


def _form_closed_this_turn(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_deactivate_loop":
            return True
    return False


def build_packet(tracker: Tracker, reason: str) -> dict[str, Any]:
    """The context an agent needs to pick the conversation up without asking again."""
    return {
        "customer_id": customer_id(tracker),
        "language": language(tracker),
        "intents": recent_intents(tracker),
        "slots": filled_slots(tracker),
        "failed_turns": failed_turn_texts(tracker),
        "reason": reason,
    }


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
    """Tell the customer, send the packet to the hub and pause the bot."""
    dispatcher.utter_message(response="utter_handoff")
    dispatcher.utter_message(json_message={"handoff": build_packet(tracker, reason)})
    events: list[EventType] = [SlotSet("human_offered", False), SlotSet("offer_reason", None)]
    if tracker.active_loop.get("name"):
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return [*events, ConversationPaused()]


class ActionHandoffToHuman(Action):
    """Hand the conversation over to a person."""

    def name(self) -> str:
        return "action_handoff_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return hand_off(dispatcher, tracker, handoff_reason(tracker))
