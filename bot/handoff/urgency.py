"""Urgency from rules about the customer's situation: suspected fraud, a lost card, a
customer about to leave, a long wait. Being requeued is not one of them.

Priority 2 ("urgent" in the panel) only comes from these rules; 1 ("high") marks a
customer the bot could not help or who is upset; 0 is routine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.config.settings import Settings
from bot.store import states
from bot.store.models import Conversation
from bot.store.times import aware, utc_now
from chattext.substance import content_words, looks_like_gibberish
from knowledge.text import fold_diacritics

if TYPE_CHECKING:
    from bot.core import Core

URGENT, HIGH, NORMAL = 2, 1, 0
# The bot's verdict that a customer is upset: it counts only with real words behind it.
FRUSTRATION_REASONS = frozenset({"frustration"})
FRUSTRATION_INTENTS = frozenset({"express_frustration"})


def raise_priority(conv: Conversation, level: int) -> bool:
    """Raise a conversation's priority to ``level`` if it is lower; True if it rose. Never
    lowers one (an urgent conversation stays urgent); the routing order (routing.py) reads
    the new level from the conversation."""
    if conv.priority >= level:
        return False
    conv.priority = level
    return True


def said_in_words(texts: Sequence[str]) -> bool:
    """False when the customer's last turn with any letters in it was gibberish: a
    keyboard mash ("asdkjh qwe") that the bot's classifier read as frustration is no
    frustration. The turns after it that only answer ("yes" to the offer of a person)
    carry nothing either way. With no such turn, the bot's verdict stands."""
    for text in reversed(texts):
        if looks_like_gibberish(text):
            return False
        if content_words(text):
            return True
    return True


def assess(
    settings: Settings, context: dict[str, Any], reason: str, recent_texts: Sequence[str] = ()
) -> tuple[int, str | None]:
    """(priority, why) for a conversation entering the queue. ``recent_texts`` are the
    customer's latest messages, oldest first: the bot's frustration verdict (its reason or
    intent) raises the priority only if the customer wrote words, not a keyboard mash."""
    if reason in settings.urgent_reasons:  # the bot's own verdict, e.g. a fraud report
        return URGENT, settings.urgent_reasons[reason]
    for intent in context.get("intents") or []:
        if intent in settings.urgent_intents:
            return URGENT, settings.urgent_intents[intent]
    text = fold_diacritics(" ".join(str(t) for t in context.get("customer_texts") or []).lower())
    for why, pattern in settings.urgent_patterns.items():
        if text and re.search(pattern, text):
            return URGENT, why
    words = said_in_words(recent_texts)
    if reason in settings.high_priority_reasons and (words or reason not in FRUSTRATION_REASONS):
        return HIGH, None
    high_intents = set(context.get("intents") or []) & set(settings.high_priority_intents)
    if high_intents and (words or not high_intents <= FRUSTRATION_INTENTS):
        return HIGH, None
    return NORMAL, None


async def escalate_long_waits(core: Core, now: datetime | None = None) -> int:
    """Customers waiting longer than the setting become urgent (once)."""
    now = now or utc_now()
    limit = now - timedelta(seconds=core.settings.urgent_wait_s)
    raised = 0
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(Conversation).where(
                    Conversation.state == states.WAITING,
                    Conversation.priority < URGENT,
                    Conversation.waiting_since < limit,
                )
            )
        ).all()
        for conv in rows:
            since = aware(conv.waiting_since)
            if since is None or since >= limit:
                continue
            conv.priority = URGENT
            conv.context = {**(conv.context or {}), "urgent_because": "long wait"}
            core.publish_after_commit(session, conv)
            raised += 1
        await session.commit()
    return raised
