"""Customers' words as knowledge managers may read them.

Knowledge managers may not open conversations (bot.access.permissions), so everything they read
that a customer wrote (the gap inbox, the knowledge-gaps report, drafts made from gaps) is
redacted when it is read, which also covers rows stored before redaction existed, and
carries no conversation id. The names to look for are the signed-in customers' names from
the customer table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from bot.store.models import Conversation, Customer
from chattext.redact import redact

__all__ = ["customer_names", "redact", "redact_many"]


async def customer_names(
    session: Any, conversation_ids: Iterable[int | None]
) -> dict[int, list[str]]:
    """The signed-in customer's name of each conversation that has one."""
    ids = sorted({i for i in conversation_ids if i is not None})
    out: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists
        rows = (
            await session.execute(
                select(Conversation.id, Customer.name)
                .join(Customer, Customer.id == Conversation.customer_id)
                .where(Conversation.id.in_(ids[start : start + 500]))
            )
        ).all()
        for conv_id, name in rows:
            if name:
                out.setdefault(int(conv_id), []).append(str(name))
    return out


async def redact_many(items: Sequence[tuple[str, Sequence[str], str | None]]) -> list[str]:
    """(text, names, language) triples redacted in a worker thread: a few thousand texts
    through the patterns is CPU work the event loop should not do."""
    return await asyncio.to_thread(lambda: [redact(t, names, lang) for t, names, lang in items])
