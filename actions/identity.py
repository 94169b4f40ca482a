"""Identity checks shared by the lost card and account skills.

Both forms collect the card's last 4 digits and the date of birth; the hub decides whether
they match. A failed check clears both slots so the form can ask again, and the second
failure in a session turns into an offer of a person instead of another attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError
from actions.common import call_hub, customer_id, language
from actions.fallback import offer_human
from actions.texts import t
from actions.validation import looks_like_full_card_number, parse_card_last4, parse_dob

MAX_VERIFY_FAILURES = 2


def validate_card_last4_value(value: Any, dispatcher: CollectingDispatcher, lang: str) -> dict:
    """Slot update for `card_last4`: four digits, or None with a hint."""
    last4 = parse_card_last4(value)
    if last4 is None:
        dispatcher.utter_message(text=t("invalid_card_last4", lang))
        return {"card_last4": None}
    if looks_like_full_card_number(value):
        dispatcher.utter_message(text=t("full_card_number_warning", lang))
    return {"card_last4": last4}


def validate_dob_value(value: Any, dispatcher: CollectingDispatcher, lang: str) -> dict:
    """Slot update for `dob`: an ISO date, or None with a hint."""
    dob = parse_dob(value)
    if dob is None:
        dispatcher.utter_message(text=t("invalid_dob", lang))
    return {"dob": dob}


class IdentitySlotsValidation:
    """Slot checks shared by every form that verifies identity (card digits, birth date).

    A plain mixin, not an Action, so rasa-sdk does not register it as an action itself."""

    async def validate_card_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_card_last4_value(value, dispatcher, language(tracker))

    async def validate_dob(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_dob_value(value, dispatcher, language(tracker))


@dataclass
class Verification:
    """Outcome of an identity check: the customer id when verified, and slot events."""

    customer_id: str | None
    events: list[EventType] = field(default_factory=list)


async def verify_customer(
    dispatcher: CollectingDispatcher, tracker: Tracker, retry_payload: str
) -> Verification:
    """Check the form's card digits and date of birth against the hub.

    On failure this speaks to the customer (retry or a person; a person only after
    the second failure) and returns no customer id.
    """
    lang = language(tracker)
    last4 = tracker.get_slot("card_last4")
    dob = tracker.get_slot("dob")
    try:
        result = await call_hub(
            lambda hub: hub.verify_identity(customer_id(tracker), str(last4), str(dob))
        )
    except HubError:
        dispatcher.utter_message(text=t("hub_unavailable", lang))
        return Verification(None, offer_human(dispatcher, "hub_unavailable", "utter_offer_human"))

    if result.get("verified") and result.get("customer_id"):
        return Verification(
            str(result["customer_id"]),
            [SlotSet("customer_id", str(result["customer_id"])), SlotSet("verify_failures", 0)],
        )

    failures = int(tracker.get_slot("verify_failures") or 0) + 1
    events: list[EventType] = [
        SlotSet("card_last4", None),
        SlotSet("dob", None),
        SlotSet("verify_failures", failures),
    ]
    if failures >= MAX_VERIFY_FAILURES:
        dispatcher.utter_message(text=t("verify_failed_final", lang))
        events += offer_human(dispatcher, "verification_failed", "utter_offer_human")
    else:
        dispatcher.utter_message(
            text=t("verify_failed_retry", lang),
            buttons=[
                {"title": t("button_try_again", lang), "payload": retry_payload},
                {"title": t("button_human", lang), "payload": "/request_human"},
            ],
        )
    return Verification(None, events)
