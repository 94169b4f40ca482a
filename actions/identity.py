"""Identity checks shared by the lost card, fraud and account skills.

Every check names the customer it checks: the signed-in customer, else the phone number
the customer says is registered with the bank (the forms ask for it first). The hub
decides whether the card's last 4 digits and the date of birth match that customer, and
throttles checks across conversations; when it refuses, the customer is told to wait or
offered a person.

A passed card check is enough to block a card. Balances, due dates and applications need
more from a customer who is not signed in: the account form then asks for the one-time
code the hub texts to the registered phone (`AccountIdentityValidation`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError, HubThrottled
from actions.common import call_hub, customer_id, language
from actions.fallback import offer_human
from actions.handoff import hand_off
from actions.identity_answers import (
    INVALID_SLOT,
    MAX_INVALID_ANSWERS,
    counted,
    detail_before_phone,
    early_answer,
    typed_answer,
    validate_card_last4_value,
    validate_dob_value,
    validate_phone_value,
)
from actions.texts import t

MAX_VERIFY_FAILURES = 2
# identity_status values: how far the account form's check went.
CODE_SENT = "card_dob"  # card check passed, one-time code sent, waiting for it
PASSED = "otp"
FAILED = "failed"
LOCKED = "locked"
NO_CODE = "no_otp"
ENDED = (FAILED, LOCKED, NO_CODE)


def locked_message(dispatcher: CollectingDispatcher, exc: HubThrottled, lang: str) -> None:
    minutes = max(1, math.ceil(exc.retry_after_s / 60))
    dispatcher.utter_message(text=t("identity_locked", lang, minutes=minutes))


class IdentitySlotsValidation:
    """Slot checks shared by every form that verifies identity (registered phone, card
    digits, birth date). The phone is asked only when the customer is not signed in.

    A plain mixin, not an Action, so rasa-sdk does not register it as an action itself."""

    def ends_form(self, tracker: Tracker) -> bool:
        """True when the latest message makes the form's questions moot (a form may say
        so: the lost card found again); the form then stops without checking answers."""
        return False

    async def _checked(
        self,
        tracker: Tracker,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        check: Callable[[Any, CollectingDispatcher, str], dict[str, Any]],
    ) -> dict[str, Any]:
        if self.ends_form(tracker):
            return {slot: None}
        return await counted(tracker, slot, value, dispatcher, check)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if self.ends_form(tracker):
            return []
        if int(tracker.get_slot(INVALID_SLOT) or 0) >= MAX_INVALID_ANSWERS:
            # Stop asking: the form's final action sees what is missing and hands over.
            return []
        if customer_id(tracker):
            return [s for s in domain_slots if s != "phone"]
        return list(domain_slots)

    async def extract_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return typed_answer(tracker, "phone")

    async def extract_card_last4(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return typed_answer(tracker, "card_last4") or early_answer(tracker, "card_last4")

    async def extract_dob(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return typed_answer(tracker, "dob") or early_answer(tracker, "dob")

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        early = detail_before_phone(tracker)
        if early is not None and not self.ends_form(tracker):
            # The card's digits or the birth date typed where the phone was asked (as the
            # form asked them first before): kept by their own slots, not a miss, and the
            # customer is told why the phone is still asked.
            lang = language(tracker)
            detail = t(f"detail_{early[0]}", lang)
            dispatcher.utter_message(text=t("detail_noted_phone_needed", lang, detail=detail))
            return {"phone": None}
        return await self._checked(tracker, "phone", value, dispatcher, validate_phone_value)

    async def validate_card_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._checked(
            tracker, "card_last4", value, dispatcher, validate_card_last4_value
        )

    async def validate_dob(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._checked(tracker, "dob", value, dispatcher, validate_dob_value)


@dataclass
class Verification:
    """Outcome of an identity check: the customer id when verified, and slot events."""

    customer_id: str | None
    events: list[EventType] = field(default_factory=list)


def _target(tracker: Tracker) -> tuple[str | None, str | None]:
    """(signed-in customer id, registered phone): the customer the check is about."""
    signed = customer_id(tracker)
    return (signed, None) if signed else (None, tracker.get_slot("phone"))


def _cleared(tracker: Tracker) -> list[EventType]:
    """The details of a failed check, so the form asks for them again (the phone too: the
    customer is never told which of them was wrong)."""
    events: list[EventType] = [SlotSet("card_last4", None), SlotSet("dob", None)]
    if not customer_id(tracker):
        events.append(SlotSet("phone", None))
    return events


def details_missing(tracker: Tracker) -> bool:
    """True when the form ended without the details a check needs (it gave up asking)."""
    signed, phone = _target(tracker)
    return not (tracker.get_slot("card_last4") and tracker.get_slot("dob") and (signed or phone))


async def verify_customer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    retry_payload: str,
    protective_reason: str | None = None,
    retry_form: str | None = None,
) -> Verification:
    """Check the form's card digits and date of birth against the named customer.

    On failure this speaks to the customer (retry or a person; a person only after the
    second failure, or at once when the hub refuses more checks) and returns no customer
    id. A pass is card-level only: it sets no `customer_id` slot, which stands for the
    signed-in (or code-checked) customer whose account the bot may show.

    With ``protective_reason`` (a flow that protects the customer, such as blocking a lost
    card), a check that cannot pass hands the conversation over at once with that reason,
    which the queue treats as urgent, instead of offering a person. With ``retry_form``,
    a first failure asks the form's questions again at once (typed answers just go on)
    instead of asking whether to try again.
    """
    lang = language(tracker)

    def give_up(reason: str, response: str) -> list[EventType]:
        if protective_reason:
            return hand_off(dispatcher, tracker, protective_reason)
        return offer_human(dispatcher, reason, response)

    if details_missing(tracker):
        dispatcher.utter_message(text=t("verify_failed_final", lang))
        return Verification(None, give_up("verification_failed", "utter_offer_human"))
    signed, phone = _target(tracker)
    last4 = tracker.get_slot("card_last4")
    dob = tracker.get_slot("dob")
    sender = tracker.sender_id
    try:
        result = await call_hub(
            lambda hub: hub.verify_identity(sender, signed, phone, str(last4), str(dob))
        )
    except HubThrottled as exc:
        locked_message(dispatcher, exc, lang)
        events = _cleared(tracker)
        return Verification(None, events + give_up("verification_locked", "utter_offer_human"))
    except HubError:
        dispatcher.utter_message(text=t("hub_unavailable", lang))
        return Verification(None, give_up("hub_unavailable", "utter_offer_human"))

    if result.get("verified") and result.get("customer_id"):
        return Verification(str(result["customer_id"]), [SlotSet("verify_failures", 0)])

    failures = int(tracker.get_slot("verify_failures") or 0) + 1
    events = [*_cleared(tracker), SlotSet("verify_failures", failures)]
    if failures >= MAX_VERIFY_FAILURES or result.get("locked"):
        dispatcher.utter_message(text=t("verify_failed_final", lang))
        events += give_up("verification_failed", "utter_offer_human")
    elif retry_form:
        dispatcher.utter_message(
            text=t("verify_failed_ask_again", lang),
            buttons=[{"title": t("button_human", lang), "payload": "/request_human"}],
        )
        events.append(FollowupAction(retry_form))
    else:
        dispatcher.utter_message(
            text=t("verify_failed_retry", lang),
            buttons=[
                {"title": t("button_try_again", lang), "payload": retry_payload},
                {"title": t("button_human", lang), "payload": "/request_human"},
            ],
        )
    return Verification(None, events)


class AccountIdentityValidation(IdentitySlotsValidation):
    """The account form's stronger check for a customer who is not signed in: the card
    check runs as soon as phone, digits and birth date are in, then the hub texts a code to
    the registered phone and the form asks for it (`otp_code`). The form ends early, with
    `identity_status` saying why, when the details fail twice, checks are refused, or no
    code can be sent; the account action then offers a person."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        status = tracker.get_slot("identity_status")
        if status in ENDED:
            return []
        if status != CODE_SENT:
            slots = [s for s in slots if s != "otp_code"]
        return slots

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = await super().get_validation_events(  # type: ignore[misc]
            dispatcher, tracker, domain
        )
        tracker.add_slots(events)
        ready = all(tracker.get_slot(s) for s in ("card_last4", "dob")) and any(_target(tracker))
        if customer_id(tracker) or tracker.get_slot("identity_status") or not ready:
            return events
        more = await self._check_card(dispatcher, tracker)
        tracker.add_slots(more)
        return events + more

    async def _check_card(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        lang = language(tracker)
        _, phone = _target(tracker)
        last4, dob, sender = (
            tracker.get_slot("card_last4"),
            tracker.get_slot("dob"),
            tracker.sender_id,
        )
        try:
            result = await call_hub(
                lambda hub: hub.verify_identity(sender, None, phone, str(last4), str(dob))
            )
            if not (result.get("verified") and result.get("customer_id")):
                failures = int(tracker.get_slot("verify_failures") or 0) + 1
                events = [*_cleared(tracker), SlotSet("verify_failures", failures)]
                if failures >= MAX_VERIFY_FAILURES or result.get("locked"):
                    dispatcher.utter_message(text=t("verify_failed_final", lang))
                    return [*events, SlotSet("identity_status", FAILED)]
                dispatcher.utter_message(text=t("verify_failed_retry", lang))
                return events
            sent = await call_hub(lambda hub: hub.send_otp(sender))
        except HubThrottled as exc:
            locked_message(dispatcher, exc, lang)
            return [*_cleared(tracker), SlotSet("identity_status", LOCKED)]
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return [SlotSet("identity_status", NO_CODE)]
        if not sent.get("sent"):
            dispatcher.utter_message(text=t("otp_unavailable", lang))
            return [SlotSet("identity_status", NO_CODE)]
        return [
            SlotSet("identity_status", CODE_SENT),
            SlotSet("identity_customer", str(result["customer_id"])),
            SlotSet("verify_failures", 0),
        ]

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = language(tracker)
        digits = re.sub(r"[\s.-]", "", str(value or ""))
        if not re.fullmatch(r"\d{6}", digits):
            dispatcher.utter_message(text=t("invalid_otp", lang))
            return {"otp_code": None}
        sender = tracker.sender_id
        try:
            result = await call_hub(lambda hub: hub.verify_otp(sender, digits))
        except HubThrottled as exc:
            locked_message(dispatcher, exc, lang)
            return {"otp_code": "refused", "identity_status": LOCKED}
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return {"otp_code": "refused", "identity_status": NO_CODE}
        if result.get("verified"):
            # The code itself is not kept in the tracker.
            return {"otp_code": "passed", "identity_status": PASSED}
        if result.get("reason") == "wrong" and int(result.get("tries_left") or 0) > 0:
            dispatcher.utter_message(text=t("otp_wrong", lang, tries=result["tries_left"]))
            return {"otp_code": None}
        dispatcher.utter_message(text=t("otp_failed", lang))
        return {"otp_code": "refused", "identity_status": FAILED}
