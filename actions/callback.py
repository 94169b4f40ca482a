"""Call-backs: record a request with the hub (not just acknowledge it) and report status."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.callback_change import hours_moved
from actions.clients.hub import HubError
from actions.common import call_hub, conversation_id, customer_id, language
from actions.fallback import offer_human
from actions.faq import answer_digression
from actions.identity_answers import validate_phone_value
from actions.texts import format_window, t
from actions.validation import parse_phone, parse_preferred_time
from chattext.when import Window

MAX_LISTED = 3


class ValidateCallbackForm(FormValidationAction):
    """A Vietnamese mobile number and a time, read into a concrete window.

    The request itself ("call me back on 0934567890 tomorrow at 3pm") fills both slots, so
    the form asks only for what is missing. A first message without a time is not an
    invalid time: the form then simply asks for one.
    """

    def name(self) -> str:
        return "validate_callback_form"

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = language(tracker)
        # Asked for the number, the customer may give the time first ("3h chiều mai"), or
        # correct it ("à nhầm, 4h"): keep it, say so, and ask for the number again.
        if parse_phone(value) is None and tracker.get_slot("requested_slot") == "phone":
            when = parse_preferred_time(value)
            if when is not None:
                window = Window.from_text(when)
                start, end = (
                    (window.start.isoformat(), window.end.isoformat()) if window else ("", "")
                )
                dispatcher.utter_message(
                    text=t("callback_time_noted", lang, window=format_window(start, end, lang))
                )
                return {"phone": None, "preferred_time": when}
        return validate_phone_value(value, dispatcher, lang)

    async def validate_preferred_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        when = parse_preferred_time(value)
        asked = tracker.get_slot("requested_slot") == "preferred_time"
        if when is None and asked and not await answer_digression(dispatcher, tracker):
            dispatcher.utter_message(text=t("invalid_time", language(tracker)))
        return {"preferred_time": when}


class ActionScheduleCallback(Action):
    """Record the call-back with the hub and confirm the window and reference."""

    def name(self) -> str:
        return "action_schedule_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        # The slot holds the parsed window; the hub stores times, never the raw words.
        window = Window.from_text(str(tracker.get_slot("preferred_time") or ""))
        payload = {
            "sender_id": tracker.sender_id,
            "customer_id": customer_id(tracker),
            "phone": tracker.get_slot("phone"),
            "window_start": window.start.isoformat() if window else None,
            "window_end": window.end.isoformat() if window else None,
            "language": lang,
            "conversation_id": conversation_id(tracker),
        }
        try:
            booked = await call_hub(lambda hub: hub.create_callback(payload))
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return offer_human(dispatcher, "hub_unavailable", "utter_offer_human")
        confirmed = format_window(booked.get("window_start"), booked.get("window_end"), lang)
        if window and hours_moved(window, booked.get("window_start")):
            # The hub keeps call-backs within the bank's calling hours: say so, or "8pm" booked
            # as next morning looks like a misreading.
            dispatcher.utter_message(text=t("callback_moved", lang))
        dispatcher.utter_message(
            text=t(
                "callback_scheduled",
                lang,
                reference=booked.get("reference", "—"),
                phone=payload["phone"],
                window=confirmed,
            ).strip()
        )
        # A later request asks afresh for a time; the number stays for status look-ups.
        return [SlotSet("preferred_time", None)]


class ActionCheckCallbackStatus(Action):
    """Tell the customer where their call-back requests stand."""

    def name(self) -> str:
        return "action_check_callback_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        try:
            found = await call_hub(
                lambda hub: hub.list_callbacks(
                    tracker.sender_id, customer_id(tracker), tracker.get_slot("phone")
                )
            )
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return offer_human(dispatcher, "hub_unavailable", "utter_offer_human")
        if not found:
            dispatcher.utter_message(
                text=t("no_callbacks", lang),
                buttons=[{"title": t("button_callback", lang), "payload": "/request_callback"}],
            )
            return []
        lines = []
        for callback in found[-MAX_LISTED:]:
            status = str(callback.get("status", ""))
            key = f"callback_status_{status}"
            lines.append(
                t(
                    "callback_line",
                    lang,
                    reference=callback.get("reference", "—"),
                    phone=callback.get("phone", "—"),
                    window=format_window(
                        callback.get("window_start"), callback.get("window_end"), lang
                    ),
                    status=t(key, lang) if key in _STATUS_KEYS else status,
                )
            )
        dispatcher.utter_message(text="\n".join(lines))
        return []


_STATUS_KEYS = frozenset(
    {"callback_status_scheduled", "callback_status_done", "callback_status_missed"}
)
