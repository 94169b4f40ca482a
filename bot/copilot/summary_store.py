"""The hand-off summary in the hub: read a conversation's turns, events and call-backs,
summarise them (``bot.copilot.summary``), keep the result with the conversation and push
it to the panels.

Computed when the conversation enters the queue (``bot.handoff.queue.hand_off``) and again
at each transfer, in the caller's transaction: the summary row commits with the move, and
the ``summary`` frame goes out after that commit (a rollback pushes nothing).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.copilot.summary import Line, Record, summarise
from bot.pipeline.effects import after_commit
from bot.realtime import events
from bot.store.copilot_models import ConversationSummary
from bot.store.models import Callback, Conversation, ConversationEvent, Message
from bot.store.times import utc_now

if TYPE_CHECKING:
    from bot.core import Core

# A summary reads the whole conversation; a runaway thread is cut to its latest turns so
# the hand-off stays quick (a long chat's problem statement is in its first turns, which
# are kept too).
MAX_MESSAGES = 400


def _window(cb: Callback, language: str) -> str:
    if cb.preferred_time:
        return cb.preferred_time
    start, end = cb.window_start, cb.window_end
    if start is None or end is None:
        return ""
    return f"{start:%H:%M}–{end:%H:%M} {start:%d/%m}"


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return utc_now()  # not flushed yet: it is happening now
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _turn_before(times: list[tuple[datetime, int]], at: datetime | None) -> int | None:
    """The latest message stored at or before ``at``: the turn an event followed."""
    moment = _aware(at)
    before = [mid for when, mid in times if when <= moment]
    return before[-1] if before else (times[0][1] if times else None)


async def record_of(session: AsyncSession, conv: Conversation) -> Record:
    """The conversation as the summary reads it (ids are the stored ones)."""
    await session.flush()  # events added in this transaction get their ids
    rows = (
        await session.scalars(
            select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)
        )
    ).all()
    if len(rows) > MAX_MESSAGES:
        rows = [*rows[:20], *rows[-(MAX_MESSAGES - 20) :]]
    messages = [
        {"id": m.id, "seq": m.seq, "sender": m.sender, "text": m.text, "reply_to": m.reply_to}
        for m in rows
    ]
    times = [(_aware(m.created_at), m.id) for m in rows]
    found = await session.scalars(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conv.id)
        .order_by(ConversationEvent.id)
    )
    events_ = [
        {
            "id": e.id,
            "kind": e.kind,
            "to_state": e.to_state,
            "actor": e.actor,
            "note": e.note,
            "data": e.data or {},
            "turn": _turn_before(times, e.created_at),
        }
        for e in found
    ]
    cbs = await session.scalars(select(Callback).where(Callback.conversation_id == conv.id))
    callbacks = [
        {
            "id": cb.id,
            "phone": cb.phone,
            "window": _window(cb, conv.language),
            "status": cb.status,
            "turn": _turn_before(times, cb.created_at),
        }
        for cb in cbs
    ]
    return Record(
        language=conv.language,
        handoff_reason=conv.handoff_reason,
        context=dict(conv.context or {}),
        messages=messages,
        events=events_,
        callbacks=callbacks,
    )


def summary_frame(conv_id: int, row: ConversationSummary) -> dict[str, Any]:
    updated = row.updated_at
    if updated is not None and updated.tzinfo is None:
        updated = updated.replace(tzinfo=timezone.utc)
    return {
        "type": "summary",
        "conversation_id": conv_id,
        "language": row.language,
        "stage": row.stage,
        "lines": list(row.lines or []),
        # When the hand-off (or transfer) asked for it: latency is measured from here.
        "updated_at": updated.isoformat() if updated else None,
    }


async def refresh(hub: Core, session: AsyncSession, conv: Conversation, stage: str) -> list[Line]:
    """Summarise the conversation now, store it and push it after the caller's commit."""
    started = utc_now()
    # Pure CPU on plain data: in a worker thread, off the event loop.
    lines = await asyncio.to_thread(summarise, await record_of(session, conv))
    row = await session.get(ConversationSummary, conv.id)
    if row is None:
        row = ConversationSummary(conversation_id=conv.id)
        session.add(row)
    row.language = conv.language if conv.language in ("vi", "en") else "vi"
    row.stage = stage
    row.lines = [dict(line) for line in lines]
    row.updated_at = started
    frame = summary_frame(conv.id, row)
    after_commit(session, lambda: events.publish_conversation_event(hub.broker, conv.id, frame))
    return lines


async def stored(session: AsyncSession, conv_id: int) -> ConversationSummary | None:
    return await session.get(ConversationSummary, conv_id)
