"""Lost or stolen card: confirm identity, block the card, say what happens next."""

from __future__ import annotations

import re
import unicodedata

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError, HubNotFound
from actions.common import call_hub, language
from actions.handoff import hand_off
from actions.identity import IdentitySlotsValidation, verify_customer
from actions.identity_answers import INVALID_SLOT
from actions.texts import t

REASON = "lost_card"
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


# "I found it": the card is no longer lost, so the form stops without blocking anything.
_FOUND = re.compile(
    r"tìm thấy|tìm được|thấy (?:thẻ |nó )?rồi|tìm lại được|\btim thay\b|\btim duoc\b|"
    r"\bthay (?:the |no )?roi\b|found (?:it|my card|the card)|it turned up",
    re.IGNORECASE,
)


# "ko tìm thấy", "chưa thấy", "can't find it": a negation just before means still lost.
_NOT_FOUND = re.compile(
    r"(?:không|ko|k|chưa|chả|chẳng|hông|khong|chua|cha|chang|hong)\s+(?:\w+\s+)?$"
    r"|(?:can't|cannot|haven't|have not|not|never|didn't)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def found_again(tracker: Tracker) -> bool:
    """True when the latest message says the card was found (and not that it was not)."""
    text = unicodedata.normalize("NFC", str((tracker.latest_message or {}).get("text") or ""))
    for match in _FOUND.finditer(text):
        if not _NOT_FOUND.search(text[: match.start()]):
            return True
    return False


class ValidateLostCardForm(IdentitySlotsValidation, FormValidationAction):
    """Check the card digits and date of birth before anything is sent to the hub."""

    def name(self) -> str:
        return "validate_lost_card_form"

    def ends_form(self, tracker: Tracker) -> bool:
        return found_again(tracker)


class ActionBlockCard(Action):
    """Verify the customer and block the card in the bank's records."""

    def name(self) -> str:
        return "action_block_card"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        if found_again(tracker):
            dispatcher.utter_message(text=t("card_found_again", lang))
            return [SlotSet("card_last4", None), SlotSet("dob", None), SlotSet(INVALID_SLOT, 0)]
        # Blocking a lost card protects the customer: if it cannot be done, the card team
        # gets the conversation at once (reason "lost_card", urgent in the queue).
        verification = await verify_customer(
            dispatcher,
            tracker,
            "/report_lost_card",
            protective_reason=REASON,
            retry_form="lost_card_form",
        )
        if verification.customer_id is None:
            return verification.events

        last4 = str(tracker.get_slot("card_last4"))
        cid = verification.customer_id
        reason = block_reason(tracker)
        # The digits and birth date have done their job; clear them so a later form asks again.
        done: list[EventType] = [
            SlotSet("card_last4", None),
            SlotSet("dob", None),
            SlotSet(INVALID_SLOT, 0),
        ]
        try:
            result = await call_hub(lambda hub: hub.block_card(cid, last4, reason))
        except HubNotFound:
            dispatcher.utter_message(text=t("card_not_found", lang, last4=last4))
            return verification.events + done
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return verification.events + done + hand_off(dispatcher, tracker, REASON)

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
