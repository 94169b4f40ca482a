"""The fallback ladder and offers of a person.

1st failed turn in a row: offer the classifier's two likeliest requests as buttons (a
two-stage fallback), or ask to rephrase when none is likely. 2nd: offer a person
(buttons). 3rd or more: hand off directly, so the customer is never trapped. Frustration
brings an offer of a person at once. The count is read from the tracker's events.

While the bot is protecting a customer (the offer to block a card after a fraud report,
the fraud and lost card forms) the ladder is shorter and ends with the team that can act:
an unclear answer to "Shall I block the card?" is read once more as a plain yes or no and
asked again, and a second failed turn hands the conversation off urgently with the flow's
own reason, so a card is never left unblocked with nobody told.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    EventType,
    FollowupAction,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.hub import HubError
from actions.common import KB_ANSWER_SLOT, MAX_TURN_CHARS, call_hub, failed_streak, language
from actions.handoff import hand_off
from actions.knowledge import confident_answer
from actions.texts import TEXTS, t
from chattext.replies import chosen_index, read_reply
from chattext.substance import is_substantive

OFFER_AT = 2
HANDOFF_AT = 3
# A protective flow hands off at its second failed turn in a row.
PROTECTIVE_HANDOFF_AT = 2
# The hand-off reason of each flow that protects a customer (both are urgent in the queue).
PROTECTIVE_FORMS = {"fraud_form": "fraud", "lost_card_form": "lost_card"}
# Requests the two-stage fallback may offer as buttons: ones a customer can start by
# clicking. Replies (yes, no, details) and small talk mean nothing as a button.
OFFERABLE_INTENTS = (
    "report_fraud",
    "report_lost_card",
    "cancel_card",
    "ask_faq",
    "request_callback",
    "check_callback_status",
    "check_due_date",
    "check_application_status",
    "complaint",
    "refund_status",
    "reset_password",
    "request_human",
)
# A candidate must have at least this confidence to be offered (tuned on the NLU
# development set: below it the second choice was right too rarely to be worth a button).
MIN_CHOICE_CONFIDENCE = 0.15
MAX_CHOICES = 2


def offer_human(dispatcher: CollectingDispatcher, reason: str, response: str) -> list[EventType]:
    """Offer a person with buttons; a typed yes/no is read against `human_offered`."""
    dispatcher.utter_message(response=response)
    return [SlotSet("human_offered", True), SlotSet("offer_reason", reason)]


async def report_gap(tracker: Tracker) -> None:
    """Tell the hub's knowledge-gap inbox what was not understood; never blocks the ladder."""
    text = str((tracker.latest_message or {}).get("text") or "")[:MAX_TURN_CHARS]
    if not text.strip() or text.startswith("/"):
        return
    with contextlib.suppress(HubError):
        await call_hub(lambda hub: hub.report_gap(text, language(tracker), tracker.sender_id))


class ActionHandleFallback(Action):
    """Climb the fallback ladder by one rung."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        streak = failed_streak(tracker)
        if tracker.get_slot("block_offered"):
            await report_gap(tracker)
            return block_offer_reply(dispatcher, tracker, streak)
        protecting = PROTECTIVE_FORMS.get(str(tracker.active_loop.get("name") or ""))
        if protecting:
            await report_gap(tracker)
            if streak >= PROTECTIVE_HANDOFF_AT:
                return hand_off(dispatcher, tracker, protecting)
            # The form asks its question again right after this.
            dispatcher.utter_message(text=t("form_unclear", language(tracker)))
            return []
        if not tracker.active_loop.get("name") and knowledge_can_help(tracker):
            # The hub's answer endpoint collects the question for the gap inbox itself when
            # it has no confident answer: reporting it here too would count it twice.
            if await answered_from_knowledge(dispatcher, tracker):
                return [SlotSet(KB_ANSWER_SLOT, "yes")]
        else:
            await report_gap(tracker)
        if streak >= HANDOFF_AT:
            return hand_off(dispatcher, tracker, "fallback")
        if streak >= OFFER_AT:
            return offer_human(dispatcher, "fallback", "utter_offer_human")
        choices = likely_requests(tracker)
        if choices and not tracker.active_loop.get("name"):
            lang = language(tracker)
            buttons = [
                {"title": t(f"intent_label_{name}", lang), "payload": f"/{name}"}
                for name in choices
            ]
            dispatcher.utter_message(text=t("did_you_mean", lang), buttons=buttons)
            return []
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []


def knowledge_can_help(tracker: Tracker) -> bool:
    """A message with something to look up: words, not a button payload or a form answer."""
    text = str((tracker.latest_message or {}).get("text") or "")[:MAX_TURN_CHARS]
    return not text.startswith("/") and is_substantive(text)


async def answered_from_knowledge(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer from the knowledge base when it has a confident answer for a message the
    classifier could not place. The classifier only knows the questions it was trained
    on; an entry a knowledge manager published this morning is answered for its own
    question at once, without retraining."""
    answer = await confident_answer(tracker)
    if answer is None:
        return False
    dispatcher.utter_message(text=answer)
    return True


def likely_requests(tracker: Tracker) -> list[str]:
    """The classifier's likeliest requests for the latest message, best first."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    picked: list[str] = []
    for entry in ranking:
        name = str(entry.get("name") or "")
        confidence = float(entry.get("confidence") or 0)
        if name in OFFERABLE_INTENTS and confidence >= MIN_CHOICE_CONFIDENCE:
            picked.append(name)
        if len(picked) == MAX_CHOICES:
            break
    return picked


def block_offer_reply(
    dispatcher: CollectingDispatcher, tracker: Tracker, streak: int
) -> list[EventType]:
    """An answer to "Shall I block the card?" that the classifier could not place: read it
    as a plain yes or no ("khoá luôn đi" names the action: a yes), else ask once more, then
    hand off to the fraud team."""
    text = str((tracker.latest_message or {}).get("text") or "")
    reply = read_reply(text, accept_action=True)
    if reply == "yes":
        return [FollowupAction("fraud_form")]
    if reply == "no" or streak >= PROTECTIVE_HANDOFF_AT:
        return hand_off(dispatcher, tracker, "fraud")
    dispatcher.utter_message(
        text=t("block_offer_unclear", language(tracker)),
        buttons=block_offer_buttons(language(tracker)),
    )
    return []


def block_offer_buttons(lang: str) -> list[dict[str, str]]:
    return [
        {"title": t("button_block_now", lang), "payload": "/affirm"},
        {"title": t("button_dont_block", lang), "payload": "/deny"},
    ]


class ActionOfferHuman(Action):
    """Proactively offer a person to a frustrated customer."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return offer_human(dispatcher, "frustration", "utter_offer_human_frustration")


class ActionDeclineHuman(Action):
    """The customer turned the offer down: carry on with the bot."""

    def name(self) -> str:
        return "action_decline_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("human_offered", False), SlotSet("offer_reason", None)]


# The questions whose buttons are choices of what the customer meant: with one choice, a
# typed "yes" takes it.
_CHOICE_QUESTIONS = tuple(
    TEXTS[key][lang] for key in ("did_you_mean", "faq_suggestions") for lang in ("vi", "en")
)


def offered_choices(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the bot's last message, when that message asked which request or
    question the customer meant; empty otherwise."""
    answered = False  # the latest user turn (the reply) is passed once
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if answered:
                return []
            answered = True
            continue
        if event.get("event") != "bot":
            continue
        buttons = (event.get("data") or {}).get("buttons") or []
        text = str(event.get("text") or "")
        if any(q in text for q in _CHOICE_QUESTIONS):
            return [dict(b) for b in buttons if str(b.get("payload") or "").strip()]
        return []
    return []


def taken_choice(tracker: Tracker) -> dict[str, Any] | None:
    """The choice a typed yes takes: the only one offered, or the one it names ("yes,
    the first one", "ừ câu đầu")."""
    choices = offered_choices(tracker)
    index = chosen_index(str((tracker.latest_message or {}).get("text") or ""))
    if index is not None and -len(choices) <= index < len(choices):
        return choices[index]
    return choices[0] if len(choices) == 1 and index is None else None


def pressed(button: dict[str, Any]) -> dict[str, Any]:
    """What the NLU would make of a press of ``button``: a request's payload ("/report_fraud")
    names its intent; a suggested question is a question for the knowledge base."""
    payload = str(button.get("payload") or "")
    name = payload[1:].split("{")[0] if payload.startswith("/") else "ask_faq"
    intent = {"name": name, "confidence": 1.0}
    return {"text": payload, "intent": intent, "intent_ranking": [intent], "entities": []}


class ActionAffirmWithoutOffer(Action):
    """A typed "yes" with no offer of a person open. After "Did you mean: Reset my
    password" with one button, the yes presses it ("yes, the second one" presses the
    second of two): the yes is reverted and the choice takes its place, as Rasa's own
    two-stage fallback does with an affirmed intent. Otherwise the customer is asked
    what they need."""

    def name(self) -> str:
        return "action_affirm_without_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        button = taken_choice(tracker)
        if button is None:
            dispatcher.utter_message(response="utter_ask_how_help")
            return []
        parse = pressed(button)
        return [
            UserUtteranceReverted(),
            ActionExecuted("action_listen"),
            UserUttered(parse["text"], parse, input_channel=tracker.get_latest_input_channel()),
        ]
