"""Account questions answered from the bank's records: payment due date, applications.

Signed-in customers (customer_id known) are answered directly. Others pass account_form:
the phone registered with the bank, card digits and date of birth, then the one-time code
the hub texts to that phone (actions/identity.py). The hub itself refuses the account to a
conversation that has not passed the code, whatever an action asks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError, HubForbidden
from actions.common import call_hub, customer_id, language
from actions.fallback import offer_human
from actions.identity import FAILED, PASSED, AccountIdentityValidation
from actions.texts import format_date, format_vnd, t

APPLICATION_STATUSES = ("submitted", "under_review", "needs_documents", "approved", "declined")


class ValidateAccountForm(AccountIdentityValidation, FormValidationAction):
    """Registered phone, card digits, birth date, then the one-time code."""

    def name(self) -> str:
        return "validate_account_form"


class AccountAction(Action, ABC):
    """Shared flow: find the customer, fetch the account, let the subclass answer.

    Abstract, so the action server does not register it as an action of its own.
    """

    retry_payload = "/check_due_date"

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def answer(self, account: dict[str, Any], tracker: Tracker, lang: str) -> str:
        """The reply text for this account's data."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        # Whatever happens, the form's details are spent.
        done: list[EventType] = [
            SlotSet(slot, None)
            for slot in ("card_last4", "dob", "otp_code", "identity_status", "identity_customer")
        ]
        events: list[EventType] = []
        cid = customer_id(tracker)
        if cid is None:
            status = tracker.get_slot("identity_status")
            if status != PASSED or not tracker.get_slot("identity_customer"):
                # The form ended early and already said why (wrong details, locked, no code).
                if status not in (FAILED, "locked", "no_otp"):
                    dispatcher.utter_message(text=t("verify_failed_final", lang))
                return done + offer_human(dispatcher, "verification_failed", "utter_offer_human")
            cid = str(tracker.get_slot("identity_customer"))
            events = [SlotSet("customer_id", cid)]
        sender = tracker.sender_id
        try:
            account = await call_hub(lambda hub: hub.account(cid, sender))
        except HubForbidden:
            # The hub's record of the check has expired (or never was): verify again.
            dispatcher.utter_message(text=t("reverify_needed", lang))
            return [*done, SlotSet("customer_id", None)]
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return done + offer_human(dispatcher, "hub_unavailable", "utter_offer_human")
        dispatcher.utter_message(text=self.answer(account, tracker, lang))
        return [*done, *events]


class ActionCheckDueDate(AccountAction):
    """Payment due date, statement balance and minimum payment of the credit cards."""

    retry_payload = "/check_due_date"

    def name(self) -> str:
        return "action_check_due_date"

    def answer(self, account: dict[str, Any], tracker: Tracker, lang: str) -> str:
        cards = [c for c in account.get("cards") or [] if c.get("payment_due_date")]
        # When the customer named a card, answer for that one if it has a due date.
        chosen = [c for c in cards if c.get("last4") == tracker.get_slot("card_last4")]
        if not cards:
            return t("no_due_date", lang)
        return "\n".join(
            t(
                "due_date_line",
                lang,
                product=card.get("product", ""),
                last4=card.get("last4", ""),
                due=format_date(card.get("payment_due_date"), lang),
                balance=format_vnd(card.get("statement_balance"), lang),
                minimum=format_vnd(card.get("minimum_payment"), lang),
            )
            for card in (chosen or cards)
        )


class ActionCheckApplicationStatus(AccountAction):
    """Where the customer's card or loan applications stand."""

    retry_payload = "/check_application_status"

    def name(self) -> str:
        return "action_check_application_status"

    def answer(self, account: dict[str, Any], tracker: Tracker, lang: str) -> str:
        applications = account.get("applications") or []
        if not applications:
            return t("no_applications", lang)
        lines = []
        for application in applications:
            status = str(application.get("status", ""))
            label = t(f"status_{status}", lang) if status in APPLICATION_STATUSES else status
            lines.append(
                t(
                    "application_line",
                    lang,
                    product=application.get("product", ""),
                    submitted=format_date(application.get("submitted_at"), lang),
                    status=label,
                )
            )
        return "\n".join(lines)
