"""FAQ answers from the knowledge module, in the customer's language.

A confident hit is answered directly. Otherwise the bot says it is not sure, suggests up
to two related questions (as buttons that send the question), and the turn counts as
failed for the fallback ladder: the second failure in a row offers a person.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.callback_change import move_booked_callback
from actions.clients.hub import HubError
from actions.common import (
    FAQ_MISS_SLOT,
    MAX_TURN_CHARS,
    failed_streak,
    language,
)
from actions.fallback import OFFER_AT, block_offer_buttons, offer_human
from actions.knowledge import FORM_ENDS, confident_answer, find_answer
from actions.texts import TEXTS, t
from chattext.abbreviations import expand_abbreviations
from chattext.fold import fold
from chattext.substance import asks_about_the_same, asks_nothing_new, is_substantive

MAX_SUGGESTIONS = 2


# Words that make a message a question rather than an answer (folded, Vietnamese and
# English): a form's question left unanswered for one of these is a digression.
_QUESTION = re.compile(
    r"\?|\b(?:bao nhieu|bao lau|bao gio|the nao|nhu nao|lam sao|so may|o dau|khi nao|"
    r"tai sao|vi sao|co .{1,40} khong|duoc khong|phai khong|how|what|when|where|why|which|"
    r"can i|do you|is there|are there)\b"
)


def looks_like_question(text: str) -> bool:
    """True when a message asks something, in chat shorthand too ("bn %", "bao lâu v ad"):
    the abbreviations are expanded before the question words are looked for."""
    return bool(_QUESTION.search(fold(expand_abbreviations(text)).lower()))


async def answer_digression(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer a question asked in the middle of a form from the knowledge base, when it
    has a confident answer, and say where the form was; the form then asks again. The
    classifier does not always call such a question `ask_faq` ("mà khoá rồi thì bao lâu có
    thẻ mới?" while the form asks for card digits), so the forms check for it themselves
    when the answer they got holds no value."""
    latest = tracker.latest_message or {}
    text = str(latest.get("text") or "")[:MAX_TURN_CHARS]
    if text.startswith("/") or not looks_like_question(text) or not is_substantive(text):
        return False
    if asks_nothing_new(text):
        # "what now?" in the middle of a form asks what the form is doing: its question,
        # asked again, is the answer.
        return False
    answer = await confident_answer(tracker)
    if answer is None:
        return False
    lang = language(tracker)
    dispatcher.utter_message(text=answer)
    say_where_we_were(dispatcher, tracker, lang)
    return True


def _say_task(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str, key: str) -> None:
    form = str(tracker.active_loop.get("name") or "")
    if f"task_{form}" in TEXTS:
        dispatcher.utter_message(text=t(key, lang, task=t(f"task_{form}", lang)))


def say_what_the_form_does(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> None:
    """To "what now?" in the middle of a form: what the form is doing for the customer,
    before it asks its question again."""
    _say_task(dispatcher, tracker, lang, "form_doing")


def say_where_we_were(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> None:
    """After an answer in the middle of a form: what the form was doing, before it asks
    its question again. Asked while the offer to block the card waits for its answer,
    the offer is made again: the answer must not leave the card unblocked and unasked."""
    if not offer_block_again(dispatcher, tracker, lang):
        _say_task(dispatcher, tracker, lang, "form_resume")


def offer_block_again(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> bool:
    """Ask again whether to block the card when the offer still waits for its answer
    (something else was asked in between); True when it was asked."""
    offer_open = tracker.get_slot("block_offered") and not tracker.get_slot("human_offered")
    if not offer_open or (tracker.active_loop or {}).get("name"):
        return False
    buttons = block_offer_buttons(lang)
    dispatcher.utter_message(text=t("block_offer_again", lang), buttons=buttons)
    return True


def offer_fraud_help(
    dispatcher: CollectingDispatcher, tracker: Tracker, lang: str, hit: dict[str, Any]
) -> None:
    """After an answer about fraud (a scam transfer, a phishing message, a payment the
    customer does not know), offer the fraud report and a person as buttons: a customer
    living it, whose report was read as a question, must not be left with the card
    unblocked and nobody told. Not while a form runs, once the block was offered, or
    after a card was blocked in this conversation."""
    if "fraud" not in (hit.get("tags") or []):
        return
    if (tracker.active_loop or {}).get("name") or tracker.get_slot("block_offered"):
        return
    if any(e.get("event") == "action" and e.get("name") in FORM_ENDS for e in tracker.events):
        return
    buttons = [
        {"title": t("button_report_fraud", lang), "payload": "/report_fraud"},
        {"title": t("button_human", lang), "payload": "/request_human"},
    ]
    dispatcher.utter_message(text=t("fraud_help_offer", lang), buttons=buttons)


class ActionAnswerFaq(Action):
    """Answer a general question from the knowledge base."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        form = str((tracker.active_loop or {}).get("name") or "")
        latest = str((tracker.latest_message or {}).get("text") or "")[:MAX_TURN_CHARS]
        if f"task_{form}" in TEXTS and asks_nothing_new(latest):
            # "so what happens now?" in the middle of a form: what the form is doing; the
            # form then asks its question again.
            say_what_the_form_does(dispatcher, tracker, lang)
            return []
        # A short follow-up ("còn thẻ Platinum thì sao?") is asked in the context of the
        # question before it (actions/knowledge.py).
        try:
            question, hits, hit = await find_answer(tracker)
        except HubError:
            dispatcher.utter_message(text=t("hub_unavailable", lang))
            return offer_human(dispatcher, "hub_unavailable", "utter_offer_human")

        if hit is not None:
            dispatcher.utter_message(text=str(hit.get("answer", "")))
            say_where_we_were(dispatcher, tracker, lang)
            offer_fraud_help(dispatcher, tracker, lang, hit)
            return []
        return self._not_sure(dispatcher, tracker, lang, question, hits)

    @staticmethod
    def _not_sure(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        lang: str,
        question: str,
        hits: list[dict[str, Any]],
    ) -> list[EventType]:
        # This turn is a failure too: count it before deciding on the rung.
        streak = failed_streak(tracker, before_latest=True) + 1
        miss: list[EventType] = [SlotSet(FAQ_MISS_SLOT, question or "?")]
        suggestions = [h for h in hits if h.get("question")][:MAX_SUGGESTIONS]
        if suggestions:
            buttons = [{"title": h["question"], "payload": h["question"]} for h in suggestions]
            dispatcher.utter_message(
                text=f"{t('faq_not_sure', lang)} {t('faq_suggestions', lang)}", buttons=buttons
            )
        else:
            dispatcher.utter_message(text=f"{t('faq_not_sure', lang)} {t('faq_rephrase', lang)}")
        if streak >= OFFER_AT:
            return miss + offer_human(dispatcher, "fallback", "utter_offer_human")
        offer_block_again(dispatcher, tracker, lang)
        return miss


class ActionAnswerDetail(Action):
    """A detail typed with no form open: card digits, a date, a term ("còn 6 tháng thì
    sao?" after the savings rates), a new time for the call-back just booked. The
    classifier reads a short follow-up that names only a term or an amount as a detail;
    when it asks something (a follow-up, a question) it is answered like any FAQ question,
    in the context of the question before. Anything else is asked what it is for."""

    def name(self) -> str:
        return "action_answer_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")[:MAX_TURN_CHARS]
        if await move_booked_callback(dispatcher, tracker):
            return []
        if not text.startswith("/") and (asks_about_the_same(text) or looks_like_question(text)):
            return await ActionAnswerFaq().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_ask_how_help")
        return []
