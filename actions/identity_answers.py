"""The answers typed into the identity forms: read whatever the classifier made of them,
checked with a hint when they hold no valid value, and counted so a form that gets
nothing usable stops and hands over.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language
from actions.faq import answer_digression, say_what_the_form_does
from actions.texts import t
from actions.validation import (
    looks_like_full_card_number,
    parse_card_last4,
    parse_dob,
    parse_phone,
)
from chattext.substance import asks_nothing_new

# Answers in a row that held no valid value for the slot asked: then the form stops and
# its final action hands over (a person can take details a form cannot).
MAX_INVALID_ANSWERS = 3
INVALID_SLOT = "invalid_answers"
# Turns that change the course of the conversation rather than answer the question.
INTERRUPTING_INTENTS = frozenset({"request_human", "deny", "express_frustration"})
# Slot parsers for values typed in any common form ("đuôi 3342", "3 3 4 2", "30-1-85",
# "Jan 30 1985", "+84 912 345 678"), used whatever the classifier made of the message.
# "Let me try again" typed after a failed check, while the form asks once more.
_RETRY = re.compile(
    r"^\W*(?:thử lại|thu lai|để thử lại|lam lai|làm lại|try again|retry|let me try)\W*$",
    re.IGNORECASE,
)
PARSERS = {"card_last4": parse_card_last4, "dob": parse_dob, "phone": parse_phone}


def typed_answer(tracker: Tracker, slot: str) -> dict[str, Any]:
    """The requested slot's value read from the latest message as typed, whatever intent
    the classifier gave it: {slot: value}, or {} when the message holds none or changes
    the subject (a person, a stop, frustration)."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    latest = tracker.latest_message or {}
    if ((latest.get("intent") or {}).get("name")) in INTERRUPTING_INTENTS:
        return {}
    text = str(latest.get("text") or "")
    if text.startswith("/"):
        return {}
    value = PARSERS[slot](text)
    return {slot: value} if value else {}


def count_answer(tracker: Tracker, update: dict[str, Any], slot: str) -> dict[str, Any]:
    """Add the running count of invalid answers to a slot update."""
    if update.get(slot) is None:
        misses = int(tracker.get_slot(INVALID_SLOT) or 0) + 1
    else:
        misses = 0
    return {**update, INVALID_SLOT: misses}


async def counted(
    tracker: Tracker,
    slot: str,
    value: Any,
    dispatcher: CollectingDispatcher,
    check: Callable[[Any, CollectingDispatcher, str], dict[str, Any]],
) -> dict[str, Any]:
    """Run a slot check and count it. An answer without a value that is a question the
    knowledge base can answer is a digression: answered, not counted, and the form asks
    again. The last allowed miss says nothing, since the form stops and its final action
    explains what happens next."""
    speaker = CollectingDispatcher()
    update = check(value, speaker, language(tracker))
    text = str((tracker.latest_message or {}).get("text") or "")
    if update.get(slot) is None and _RETRY.search(text):
        # "thử lại", "try again": the form is already asking again; no hint, no miss.
        return update
    if update.get(slot) is None and await answer_digression(dispatcher, tracker):
        return update
    last_try = int(tracker.get_slot(INVALID_SLOT) or 0) + 1 >= MAX_INVALID_ANSWERS
    if update.get(slot) is None and asks_nothing_new(text):
        # "what now?", "giờ sao nữa": what the form is doing rather than an "invalid"
        # hint, then its question again. Still a miss: asked again and again, a person
        # takes over.
        if not last_try:
            say_what_the_form_does(dispatcher, tracker, language(tracker))
    elif update.get(slot) is not None or not last_try:
        dispatcher.messages.extend(speaker.messages)
    return count_answer(tracker, update, slot)


def validate_card_last4_value(value: Any, dispatcher: CollectingDispatcher, lang: str) -> dict:
    """Slot update for `card_last4`: four digits, or None with a hint."""
    last4 = parse_card_last4(value)
    if last4 is None:
        dispatcher.utter_message(text=t("invalid_card_last4", lang))
        return {"card_last4": None}
    if looks_like_full_card_number(value):
        dispatcher.utter_message(text=t("full_card_number_warning", lang))
    return {"card_last4": last4}


def validate_phone_value(value: Any, dispatcher: CollectingDispatcher, lang: str) -> dict:
    """Slot update for `phone`: a Vietnamese mobile number, or None with a hint."""
    phone = parse_phone(value)
    if phone is None:
        dispatcher.utter_message(text=t("invalid_phone", lang))
    return {"phone": phone}


def validate_dob_value(value: Any, dispatcher: CollectingDispatcher, lang: str) -> dict:
    """Slot update for `dob`: an ISO date, or None with a hint."""
    dob = parse_dob(value)
    if dob is None:
        dispatcher.utter_message(text=t("invalid_dob", lang))
    return {"dob": dob}


# Four digits alone, however spaced: the card's last four, never a phone number.
_FOUR_DIGITS = re.compile(r"^\D*(?:\d\D{0,2}){4}$")


def detail_before_phone(tracker: Tracker) -> tuple[str, str] | None:
    """(slot, value) of the other detail ("card_last4" or "dob") the latest message gives
    where the phone number was asked, when it holds no phone number; None otherwise."""
    if tracker.get_slot("requested_slot") != "phone":
        return None
    text = str((tracker.latest_message or {}).get("text") or "")
    if text.startswith("/") or parse_phone(text):
        return None
    last4 = parse_card_last4(text) if _FOUR_DIGITS.match(text.strip()) else None
    if last4:
        return "card_last4", last4
    dob = parse_dob(text)
    return ("dob", dob) if dob else None


def early_answer(tracker: Tracker, slot: str) -> dict[str, Any]:
    """{slot: value} when the latest message gives this detail where the phone was asked
    (`detail_before_phone`), so the form does not ask for it again; {} otherwise."""
    early = detail_before_phone(tracker)
    return {slot: early[1]} if early is not None and early[0] == slot else {}
