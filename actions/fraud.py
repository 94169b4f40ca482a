"""Fraud: offer to block the card at once, block it, and hand off urgently to a person.

An unrecognised transaction or a scam is the one case where speed matters more than
self-service: the card is blocked first (after the usual identity check), then the
conversation goes to the fraud team with the reason "fraud", which the hub queues first.
No offer is ever shown in this conversation (knowledge/rules.yaml suppresses on fraud).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError, HubNotFound, HubThrottled
from actions.common import call_hub, customer_id, language
from actions.handoff import hand_off
from actions.identity import IdentitySlotsValidation, details_missing
from actions.identity_answers import INVALID_SLOT
from actions.texts import t

REASON = "fraud"


class ActionOfferCardBlock(Action):
    """Answer a fraud report with the offer to block the card right now."""

    def name(self) -> str:
        return "action_offer_card_block"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_offer_card_block")
        return [SlotSet("block_offered", True)]


class ValidateFraudForm(IdentitySlotsValidation, FormValidationAction):
    """Registered phone (when not signed in), card digits and date of birth, checked like
    the lost card form's."""

    def name(self) -> str:
        return "validate_fraud_form"


class ActionBlockCardFraud(Action):
    """Verify, block the card with reason "fraud", then hand off urgently whatever happened."""

    def name(self) -> str:
        return "action_block_card_fraud"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        last4 = str(tracker.get_slot("card_last4") or "")
        dob = str(tracker.get_slot("dob") or "")
        signed = customer_id(tracker)
        phone = None if signed else tracker.get_slot("phone")
        sender = tracker.sender_id
        events: list[EventType] = [
            SlotSet("block_offered", False),
            SlotSet("card_last4", None),
            SlotSet("dob", None),
            SlotSet(INVALID_SLOT, 0),
        ]
        known: dict[str, Any] = {"card_last4": last4, "card_blocked": False}
        if details_missing(tracker):
            # The form gave up asking: the fraud team verifies by phone and blocks at once.
            dispatcher.utter_message(text=t("fraud_not_verified", lang))
            return events + hand_off(dispatcher, tracker, REASON, known)
        try:
            verified = await call_hub(
                lambda hub: hub.verify_identity(sender, signed, phone, last4, dob)
            )
            cid = verified.get("customer_id") if verified.get("verified") else None
            if cid is None:
                # No retry loop here: the fraud team verifies by phone and blocks at once.
                dispatcher.utter_message(text=t("fraud_not_verified", lang))
            else:
                # Card-level only: enough to block, not to show the account (no slot).
                known["customer_id"] = str(cid)
                result = await call_hub(lambda hub: hub.block_card(str(cid), last4, REASON))
                known["card_blocked"] = True
                known["block_reference"] = result.get("reference")
                dispatcher.utter_message(
                    text=t(
                        "fraud_card_blocked",
                        lang,
                        last4=result.get("card_last4", last4),
                        reference=result.get("reference", "—"),
                    )
                )
        except HubNotFound:
            dispatcher.utter_message(text=t("card_not_found", lang, last4=last4))
        except HubThrottled:
            # Too many failed checks: the fraud team verifies by phone and blocks at once.
            dispatcher.utter_message(text=t("fraud_not_verified", lang))
        except HubError:
            dispatcher.utter_message(text=t("fraud_not_verified", lang))
        return events + hand_off(dispatcher, tracker, REASON, known)
