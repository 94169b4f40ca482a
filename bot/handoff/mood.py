"""The customer's mood while people have the conversation: each customer message in a
handed-off conversation (waiting or assigned) is scored for sentiment, the conversation
keeps the latest verdict in its context (``sentiment``), and a strongly negative message
raises its priority to "high" (never above, never lowering "urgent"), with the reason
written, recorded in the conversation's events and pushed to the panels.

The scorer is a lexicon (``chattext.sentiment``) plus, unless the setting
``sentiment_learned`` is off, a learned model over the message's embedding
(``bot/copilot/sentiment_model.py``): it runs in a worker thread so the event loop never
waits on it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.copilot.sentiment_model import score_sentiment
from bot.handoff import urgency
from bot.store import states
from bot.store.models import Conversation, Message
from bot.store.times import utc_now
from chattext.sentiment import NEUTRAL, Sentiment
from chattext.substance import content_words

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.core import Core

SCORED_STATES = frozenset({states.WAITING, states.ASSIGNED})
CUES_KEPT = 3
# The reason written on a raised priority, in the conversation's language (the panel shows
# its own translation from the structured `priority_because`).
REASON = {"vi": "Khách bức xúc: “{cue}”", "en": "Customer upset: “{cue}”"}


def reason_text(language: str | None, cue: str) -> str:
    return REASON.get(language or "vi", REASON["vi"]).format(cue=cue)


def verdict_json(result: Sentiment, message_id: int | None) -> dict[str, Any]:
    """The sentiment kept in the conversation's context and shown on the queue card."""
    return {
        "label": result.label,
        "score": result.score,
        "strongly_negative": result.strongly_negative,
        "cues": list(result.cues[:CUES_KEPT]),
        "message_id": message_id,
        "at": utc_now().isoformat(),
    }


def worth_scoring(state: str, answer: Any) -> bool:
    """Whether a message read in ``state`` is scored before its turn's write: it is with
    people, or the bot's ``answer`` (``BotAnswer``) may hand it to them."""
    return state in SCORED_STATES or (
        state == states.BOT and answer is not None and answer.may_hand_off
    )


async def score(settings: Any, body: str) -> Sentiment:
    """The sentiment of one message, in a worker thread (the event loop never waits on
    the embedding)."""
    return await asyncio.to_thread(score_sentiment, body, settings.sentiment_learned)


async def note_customer_message(
    core: Core,
    session: AsyncSession,
    conv: Conversation,
    msg: Message,
    body: str,
    scored: Sentiment | None = None,
) -> Sentiment | None:
    """Score one customer message of a handed-off conversation and act on it: keep the
    verdict, and raise the priority on a strongly negative one. The caller commits.

    ``scored`` is the verdict the caller computed before opening its transaction, as the
    router does; without it (the conversation changed hands between the router's read and
    its write) the message is scored here."""
    if conv.state not in SCORED_STATES or not body.strip():
        return None
    result = scored if scored is not None else await score(core.settings, body)
    if result.label == NEUTRAL and not content_words(body):
        return result  # a phone number or a "yes" does not replace how they felt
    context = dict(conv.context or {})
    before = context.get("sentiment") or {}
    context["sentiment"] = verdict_json(result, msg.id)
    changed = (before.get("label"), before.get("strongly_negative")) != (
        result.label,
        result.strongly_negative,
    )
    if result.strongly_negative and result.cues:
        cue = result.cues[0]
        previous = conv.priority
        if urgency.raise_priority(conv, urgency.HIGH):
            why = reason_text(conv.language, cue)
            context["priority_because"] = {
                "kind": "sentiment",
                "cue": cue,
                "text": why,
                "message_id": msg.id,
            }
            await core.record_event(
                session,
                conv,
                "priority",
                actor="sentiment",
                note=why,
                data={
                    "from": previous,
                    "to": conv.priority,
                    "cause": "sentiment",
                    "cues": list(result.cues),
                },
            )
            changed = True
    conv.context = context
    if changed:
        core.publish_after_commit(session, conv)
    return result
