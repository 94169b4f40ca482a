"""Lost or stolen card: confirm identity, block the card, say what happens next."""

from __future__ import annotations

import re

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError, HubNotFound
from actions.common import call_hub, language
from actions.fallback import offer_human
from actions.identity import IdentitySlotsValidation, verify_customer
from actions.texts import t

# Words that say the card was taken rather than mislaid (with and without diacritics).
_STOLEN = re.compile(
    r"cắp|trộm|cướp|móc túi|\bcap\b|\btrom\b|\bcuop\b|moc tui|stol|steal|theft|rob", re.IGNORECASE
)


def block_reason(tracker: Tracker) -> str:
    """'stolen' when the customer's report says so, else 'lost'."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == "report_lost_card":
            return "stolen" if _STOLEN.search(str(event.get("text") or "")) else "lost"
    return "lost"


class ValidateLostCardForm(IdentitySlotsValidation, FormValidationAction):
    """Check the card digits and date of birth before anything is sent to the hub."""

    def name(self) -> str:
        return "validate_lost_card_form"


class ActionBlockCard(Action):
    """Verify the customer and block the card in the bank's records."""

    def name(self) -> str:
        return "action_block_card"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        verification = await verify_customer(dispatcher, tracker, "/report_lost_card")
        if verification.customer_id is None:
            return verification.events

        last4 = str(tracker.get_slot("card_last4"))
        cid = verification.customer_id
        reason = block_reason(tracker)
        # The digits and birth date have done their job; clear them so a later form asks again.
        done: list[EventType] = [SlotSet("card_last4", None), SlotSet("dob", None)]
        try:
            result = await call_hub(lambda hub: hub.block_card(cid, last4, reason))
        except HubNotFound:
            dispatcher.utter_message(text=t("card_not_found", lang, last4=last4))
            return verification.events + done
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return verification.events + offer_human(
                dispatcher, "hub_unavailable", "utter_offer_human"
            )

        dispatcher.utter_message(
            text=t(
                "card_blocked",
                lang,
                last4=result.get("card_last4", last4),
                reference=result.get("reference", "—"),
                days=result.get("replacement_days", "5-7"),
            )
        )
        return verification.events + done
