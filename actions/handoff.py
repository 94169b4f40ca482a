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

from actions.common import (
    customer_id,
    failed_turn_texts,
    language,
    problem_turn_texts,
    recent_intents,
)

# Bookkeeping slots that mean nothing to an agent.
INTERNAL_SLOTS = frozenset(
    {
        "requested_slot",
        "session_started_metadata",
        "human_offered",
        "offer_reason",
        "verify_failures",
        "faq_miss",
        "hotline",
        "block_offered",
        "invalid_answers",
        "kb_answered",
    }
)
# What the customer said they came for decides why they are handed over, whatever the
# last message was ("cho tôi gặp nhân viên" after a fraud report is still fraud). The
# first intent of this list found in the session wins; the hub sets the priority from it.
INTENT_REASONS = (
    ("report_fraud", "fraud"),
    ("complaint", "complaint"),
    ("cancel_card", "churn_risk"),
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
    intents = set(recent_intents(tracker))
    for intent_name, reason in INTENT_REASONS:
        if intent_name in intents:
            return reason
    intent = (tracker.latest_message or {}).get("intent", {}).get("name")
    if intent == "affirm" and tracker.get_slot("human_offered"):
        return str(tracker.get_slot("offer_reason") or "customer_request")
    if intent == "request_human" and _form_closed_this_turn(tracker):
        return "form_abandoned"
    return "customer_request"


def _form_closed_this_turn(tracker: Tracker) -> bool:
    return abandoned_form(tracker) is not None


def abandoned_form(tracker: Tracker) -> str | None:
    """The form this turn closed unfinished (or the one still open), if any."""
    active = tracker.active_loop.get("name")
    if active:
        return str(active)
    closed = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user" and not closed:
            return None
        if kind == "action" and event.get("name") == "action_deactivate_loop":
            closed = True
        elif closed and kind == "active_loop" and event.get("name"):
            return str(event["name"])
        elif closed and kind == "action" and str(event.get("name", "")).endswith("_form"):
            return str(event["name"])
    return None


def build_packet(
    tracker: Tracker, reason: str, extra_slots: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The context an agent needs to pick the conversation up without asking again."""
    form = abandoned_form(tracker)
    slots = {**filled_slots(tracker), **(extra_slots or {})}
    return {
        "customer_id": customer_id(tracker),
        "language": language(tracker),
        "intents": recent_intents(tracker),
        "slots": slots,
        "failed_turns": failed_turn_texts(tracker),
        # The customer's problem in their own words, not the request for a person.
        "problem": problem_turn_texts(tracker),
        # The form left unfinished and what it had gathered, so the agent does not ask again.
        "form": form,
        "form_slots": {k: v for k, v in slots.items() if k in _form_slot_names(form)},
        "reason": reason,
    }


_FORM_SLOTS = {
    "lost_card_form": ("phone", "card_last4", "dob"),
    "account_form": ("phone", "card_last4", "dob", "account_query"),
    "callback_form": ("phone", "preferred_time"),
    "fraud_form": ("phone", "card_last4", "dob"),
}


def _form_slot_names(form: str | None) -> tuple[str, ...]:
    return _FORM_SLOTS.get(form or "", ())


def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    extra_slots: dict[str, Any] | None = None,
) -> list[EventType]:
    """Tell the customer, send the packet to the hub and pause the bot."""
    dispatcher.utter_message(response="utter_handoff")
    packet = build_packet(tracker, reason, extra_slots)
    dispatcher.utter_message(json_message={"handoff": packet})
    events: list[EventType] = [
        SlotSet("human_offered", False),
        SlotSet("offer_reason", None),
        SlotSet("block_offered", False),
        SlotSet("invalid_answers", 0),
    ]
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
