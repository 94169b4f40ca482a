"""Urgency from rules about the customer's situation: suspected fraud, a lost card, a
customer about to leave, a long wait. Being requeued is not one of them.

Priority 2 ("urgent" in the panel) only comes from these rules; 1 ("high") marks a
customer the bot could not help or who is upset; 0 is routine.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot import states
from bot.serialize import aware
from bot.store.models import Conversation
from knowledge.text import fold_diacritics
from tandem.settings import Settings

if TYPE_CHECKING:
    from bot.core import Core

URGENT, HIGH, NORMAL = 2, 1, 0


def assess(settings: Settings, context: dict[str, Any], reason: str) -> tuple[int, str | None]:
    """(priority, why) for a conversation entering the queue."""
    if reason in settings.urgent_reasons:  # the bot's own verdict, e.g. a fraud report
        return URGENT, settings.urgent_reasons[reason]
    for intent in context.get("intents") or []:
        if intent in settings.urgent_intents:
            return URGENT, settings.urgent_intents[intent]
    text = fold_diacritics(" ".join(str(t) for t in context.get("customer_texts") or []).lower())
    for why, pattern in settings.urgent_patterns.items():
        if text and re.search(pattern, text):
            return URGENT, why
    if reason in settings.high_priority_reasons:
        return HIGH, None
    if set(context.get("intents") or []) & set(settings.high_priority_intents):
        return HIGH, None
    return NORMAL, None


async def escalate_long_waits(core: Core, now: datetime | None = None) -> int:
    """Customers waiting longer than the setting become urgent (once)."""
    now = now or datetime.now(timezone.utc)
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
