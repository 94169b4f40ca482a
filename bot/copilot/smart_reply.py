"""Smart reply: short replies agents actually sent, offered again for similar customer
messages once a knowledge manager approves them (as Salesforce's "smart replies" do).

Mining reads resolved conversations: each agent message that directly follows a customer
message makes a pair. A reply is a candidate when it is short, carries no placeholder and
no long number (an account or a phone number belongs to one customer), and was sent in at
least ``MIN_SUPPORT`` different conversations (so it is a habit of the team, not one
customer's case). Candidates wait as ``pending`` until reviewed.

Use: the customer's latest message is embedded with the knowledge index's embedder (on
the search threads) and compared with the customer messages the approved replies answered;
the nearest three above ``MIN_SIMILARITY`` are offered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.copilot.placeholders import PLACEHOLDER
from bot.store.canned_models import SmartReply
from bot.store.models import Conversation, Message

MAX_REPLY_CHARS = 160
MAX_REPLY_WORDS = 28
MIN_SUPPORT = 2
TOP = 3
# Cosine similarity of two customer messages (query vectors) for a reply to apply. Set by
# hand on a few paraphrases (tests/copilot/test_smart_reply_api.py: two wordings of a
# blocked card match, a savings-rate question does not); not calibrated on a labelled set.
MIN_SIMILARITY = 0.8
LONG_NUMBER = re.compile(r"\d[\d .-]{5,}\d")


def reply_key(text: str) -> str:
    """Replies that differ only in case, spaces and end punctuation are one reply."""
    return re.sub(r"\s+", " ", text.strip().lower()).rstrip(" .!?…")


def usable(text: str) -> bool:
    text = text.strip()
    return (
        0 < len(text) <= MAX_REPLY_CHARS
        and len(text.split()) <= MAX_REPLY_WORDS
        and not PLACEHOLDER.search(text)
        and not LONG_NUMBER.search(text)
    )


@dataclass
class Candidate:
    language: str
    reply: str
    customer_text: str
    conversation_id: int
    conversations: set[int] = field(default_factory=set)


def pairs(messages: list[Message]) -> list[tuple[str, str]]:
    """(customer message, agent reply) for each agent message that answers a customer one,
    in one conversation's order: the agent's first message after the customer wrote
    (system and bot notices in between, such as "the agent joined", do not count)."""
    out: list[tuple[str, str]] = []
    asked: str | None = None
    for msg in messages:
        if msg.sender == "customer":
            asked = msg.text
        elif msg.sender == "agent":
            if asked is not None:
                out.append((asked, msg.text))
            asked = None
    return out


async def mine(session: AsyncSession, limit_conversations: int = 2000) -> int:
    """Add new pending candidates from the latest resolved conversations; returns how many
    were added. Replies already reviewed (approved or rejected) are not proposed again."""
    convs = (
        await session.execute(
            select(Conversation.id, Conversation.language)
            .where(Conversation.state.in_(("resolved", "closed")))
            .order_by(Conversation.id.desc())
            .limit(limit_conversations)
        )
    ).all()
    language_of = {int(cid): (lang or "vi") for cid, lang in convs}
    if not language_of:
        return 0
    rows = (
        await session.scalars(
            select(Message)
            .where(Message.conversation_id.in_(language_of))
            .order_by(Message.conversation_id, Message.seq)
        )
    ).all()
    by_conv: dict[int, list[Message]] = defaultdict(list)
    for msg in rows:
        by_conv[msg.conversation_id].append(msg)
    found: dict[tuple[str, str], Candidate] = {}
    for conv_id, messages in by_conv.items():
        for customer_text, reply in pairs(messages):
            if not usable(reply):
                continue
            key = (language_of[conv_id], reply_key(reply))
            cand = found.setdefault(
                key, Candidate(language_of[conv_id], reply.strip(), customer_text, conv_id)
            )
            cand.conversations.add(conv_id)
    known = {
        (lang, reply_key(text))
        for lang, text in (
            await session.execute(select(SmartReply.language, SmartReply.reply_text))
        ).all()
    }
    added = 0
    for key, cand in found.items():
        if len(cand.conversations) < MIN_SUPPORT or key in known:
            continue
        session.add(
            SmartReply(
                language=cand.language,
                customer_text=cand.customer_text[:2000],
                reply_text=cand.reply,
                support=len(cand.conversations),
                status="pending",
                source_conversation_id=cand.conversation_id,
            )
        )
        added += 1
    return added


def nearest(
    query: np.ndarray, options: np.ndarray, min_similarity: float = MIN_SIMILARITY, top: int = TOP
) -> list[tuple[int, float]]:
    """Indexes of the ``top`` rows of ``options`` most similar to ``query`` (cosine),
    above ``min_similarity``, best first."""
    if options.size == 0:
        return []
    q = query / (np.linalg.norm(query) or 1.0)
    o = options / np.maximum(np.linalg.norm(options, axis=1, keepdims=True), 1e-12)
    sims = o @ q
    order = np.argsort(-sims)[:top]
    return [(int(i), float(sims[i])) for i in order if sims[i] >= min_similarity]


def reply_json(row: SmartReply, similarity: float | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "language": row.language,
        "customer_text": row.customer_text,
        "reply_text": row.reply_text,
        "support": row.support,
        "status": row.status,
        "similarity": round(similarity, 4) if similarity is not None else None,
    }
