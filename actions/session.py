"""Session start: carry the customer's id and language over from the hub's metadata.

The hub sends `{"customer_id", "language", "channel", "conversation_id"}` with every
message; Rasa hands the first message's metadata to action_session_start.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import LANGUAGES
from actions.texts import HOTLINE

# Slots that describe the customer rather than one task; kept across sessions.
CARRIED_SLOTS = ("customer_id", "language")


class ActionSessionStart(Action):
    """Start a session, keeping who the customer is and the language they use."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        values: dict[str, Any] = {
            name: tracker.get_slot(name) for name in CARRIED_SLOTS if tracker.get_slot(name)
        }
        meta = tracker.get_slot("session_started_metadata") or {}
        if isinstance(meta, dict):
            if meta.get("customer_id"):
                values["customer_id"] = str(meta["customer_id"])
            if meta.get("language") in LANGUAGES:
                values["language"] = meta["language"]
            events.append(SlotSet("session_started_metadata", meta))
        events += [SlotSet(name, value) for name, value in values.items()]
        # Responses in domain.yml read the number from this slot: one hotline everywhere.
        events.append(SlotSet("hotline", HOTLINE))
        events.append(ActionExecuted("action_listen"))
        return events
