"""Asking the knowledge base for the customer's question, in the context of the one before.

One place builds the search question, so the FAQ answer, the fallback's knowledge look-up
and a question asked in the middle of a form all read a follow-up ("còn thẻ Platinum thì
sao?", "and what about the Platinum one?") the same way: with the topic of the question
before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker

from actions.clients.hub import HubError
from actions.common import MAX_TURN_CHARS, UserTurn, call_hub, language, user_turns
from chattext.entry_fit import (
    asks_of_a_sibling,
    entry_keeps_the_question,
    entry_misses_follow_up,
)
from chattext.substance import (
    FOLLOW_UP_WORDS,
    TOPIC_CHARS,
    contextual_query,
    follow_up_subject,
    is_substantive,
    points_back,
    topic_led_query,
    word_count,
)


def _typed_turns(tracker: Tracker) -> list[UserTurn]:
    """The customer's turns of the session that were typed (not button payloads)."""
    return [turn for turn in user_turns(tracker) if not turn.text.startswith("/")]


def _customer_texts(tracker: Tracker, turns: list[UserTurn] | None = None) -> list[str]:
    texts = [turn.text for turn in (_typed_turns(tracker) if turns is None else turns)]
    latest = str((tracker.latest_message or {}).get("text") or "")
    if not texts or texts[-1] != latest:
        texts.append(latest)
    return texts


def question_of(tracker: Tracker) -> str:
    """The search question for the latest message: itself, led by the previous question's
    topic when it is a short follow-up."""
    return contextual_query(_customer_texts(tracker), answer_latest=True)[:MAX_TURN_CHARS]


# What a question asked in the middle of a form is most likely about, as knowledge-base
# tags: what comes after the form's task (a replacement card, unblocking, a dispute), not
# the task itself, which the form is doing.
FORM_SUBJECTS: dict[str, tuple[str, ...]] = {
    "lost_card_form": ("replacement", "blocking"),
    "fraud_form": ("replacement", "blocking", "disputes"),
}


# The actions that end those forms, and how many customer turns after one the questions
# are still most likely about what comes next ("bao lâu thì có thẻ mới?" right after the
# block is the replacement, not a refund's delay).
FORM_ENDS = {"action_block_card": "lost_card_form", "action_block_card_fraud": "fraud_form"}
TURNS_AFTER_FORM = 2


def subject_of(tracker: Tracker) -> tuple[str, ...]:
    """The tags of the subject under way: the active form's, else those of a form that
    ended within the last few customer turns, else none."""
    form = str((tracker.active_loop or {}).get("name") or "")
    if form in FORM_SUBJECTS:
        return FORM_SUBJECTS[form]
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users > TURNS_AFTER_FORM:
                break
        elif event.get("event") == "action" and event.get("name") in FORM_ENDS:
            return FORM_SUBJECTS[FORM_ENDS[str(event.get("name"))]]
    return ()


async def search(tracker: Tracker, question: str, record: bool = True) -> list[dict[str, Any]]:
    """Knowledge-base hits for the question, best first (raises HubError). With `record`
    the hub counts the answer (or the gap) against the conversation."""
    lang = language(tracker)
    prefer = subject_of(tracker)
    sender = tracker.sender_id if record else None
    return await call_hub(lambda hub: hub.answer(question, lang, sender, prefer))


def _just_said(tracker: Tracker) -> set[str]:
    """The bot's replies since the customer's previous turn."""
    said: list[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            said.append(str(event.get("text") or "").strip())
    return set(said)


def answering_hit(
    tracker: Tracker, question: str, hits: list[dict[str, Any]], skip: set[str] = frozenset()
) -> dict[str, Any] | None:
    """The first confident hit that answers the question (hits whose answer is in `skip`
    left out). A follow-up searched with the topic of the question before is not answered
    by an entry that never mentions what the follow-up adds (`entry_misses_follow_up`):
    the next confident one is tried."""
    latest = str((tracker.latest_message or {}).get("text") or "").strip()
    led = bool(latest) and question != latest and question.endswith(latest)
    # A turn that points back ("which papers should I prepare for that?") asks its own
    # question of the subject before, in words an entry may not share ("documents").
    checked = led and not points_back(latest)
    for hit in hits:
        if not hit.get("confident"):
            return None
        if str(hit.get("answer") or "").strip() in skip:
            continue
        if checked and entry_misses_follow_up(latest, question[: -len(latest)], _entry_text(hit)):
            # The topic before found its own entry first; a confident one after it may
            # name what the follow-up asks ("còn thẻ ghi nợ thì sao?" after the credit
            # card's annual fee: the debit card's annual fee).
            continue
        return hit
    return None


# Intents the bot answers from the knowledge base or with one fixed text: a short turn
# after one of them most likely asks about that answer.
ANSWERED_INTENTS = frozenset({"ask_faq", "refund_status", "reset_password"})


def _second_query(tracker: Tracker) -> str:
    """The query of a second search: the latest turn led by the question before it, when
    it follows on from that question: says so ("còn … thì sao?"), or is a short turn right
    after a question the bot answered ("vay 5 năm được không?" after the car loan's
    terms). Empty otherwise."""
    turns = _typed_turns(tracker)
    texts = _customer_texts(tracker, turns)
    led = topic_led_query(texts)
    if led:
        return led[:MAX_TURN_CHARS]
    if len(turns) < 2 or turns[-2].intent not in ANSWERED_INTENTS or turns[-2].failed:
        return ""
    latest = texts[-1].strip()
    if word_count(latest) >= 2 * FOLLOW_UP_WORDS or not is_substantive(latest):
        return ""
    return f"{turns[-2].text.strip()[:TOPIC_CHARS]} {latest}"[:MAX_TURN_CHARS]


async def find_answer(tracker: Tracker) -> tuple[str, list[dict[str, Any]], dict[str, Any] | None]:
    """The search question, its hits and the hit that answers it, if any (raises
    HubError).

    A follow-up with words of its own is searched on them alone (`contextual_query`), and
    so is a short question after an answer that does not say it follows on. When that
    finds nothing confident, it is searched once more led by the question before
    (`_second_query`), where the entry that answered that question comes first again: the
    next confident entry that names what the follow-up asks is taken ("còn hạn mức chuyển
    một ngày thì sao?" after the transfer fee), else that same entry if it names it ("vay
    5 năm được không?": the car loan's terms give its longest term)."""
    question = question_of(tracker)
    hits = await search(tracker, question) if question else []
    # (its own subject, the question before) when the latest turn asks the question
    # before of something new; read once for the filter and the last search.
    found = follow_up_subject(_customer_texts(tracker))
    keeps = _keeps_the_question(found)
    hit = keeps(answering_hit(tracker, question, hits))
    if hit is None and question:
        led = _second_query(tracker)
        if led and led != question:
            # Not counted again: the first search already counted this turn.
            again = await search(tracker, led, record=False)
            hit = keeps(answering_hit(tracker, led, again, _just_said(tracker)))
            hit = hit or keeps(answering_hit(tracker, led, again))
    if hit is None and question:
        hit = await _subject_answer(tracker, question, found)
    return question, hits, hit


def _entry_text(hit: dict[str, Any]) -> str:
    return f"{hit.get('question') or ''} {hit.get('answer') or ''}"


def _keeps_the_question(
    found: tuple[str, str] | None,
) -> Callable[[dict[str, Any] | None], dict[str, Any] | None]:
    """A filter for the hits of a follow-up that asks the question before of a new
    subject ("thế còn thẻ ghi nợ quốc tế?" after the credit card's annual fee): an entry
    answers it only if it names what the question before asked ("phí thường niên"), as
    `_subject_answer` requires. The ATM-abroad entry, which names the debit card and a
    fee, answers another question. Any other turn keeps its hits."""
    if found is None or not asks_of_a_sibling(*found):
        return lambda hit: hit
    subject, before = found

    def keep(hit: dict[str, Any] | None) -> dict[str, Any] | None:
        if hit is None or entry_keeps_the_question(before, subject, _entry_text(hit)):
            return hit
        return None

    return keep


async def _subject_answer(
    tracker: Tracker, question: str, found: tuple[str, str] | None
) -> dict[str, Any] | None:
    """Last, a follow-up that asks the question before of a new subject ("còn vay mua xe
    thì sao?" after the home loan's rate, where the two together find the home loan
    again) is searched on that subject alone; its best entry answers when it is confident
    and names what the question before asked ("lãi suất")."""
    if found is None or found[0] == question:
        return None
    subject, before = found
    hits = await search(tracker, subject, record=False)
    best = hits[0] if hits else None
    if best is None or not best.get("confident"):
        return None
    if str(best.get("answer") or "").strip() in _just_said(tracker):
        return None
    return best if entry_keeps_the_question(before, subject, _entry_text(best)) else None


async def confident_answer(tracker: Tracker) -> str | None:
    """The answer the knowledge base is confident of for the latest message, if any (None
    too when the hub cannot be reached: the caller goes on without it)."""
    try:
        _, _, hit = await find_answer(tracker)
    except HubError:
        return None
    return None if hit is None else str(hit.get("answer", ""))
