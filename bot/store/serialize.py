"""The JSON shapes of stored rows the hub sends to widgets, panels and API clients
(declared for ``/openapi.json`` in ``bot/api/schemas.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.store import tables
from bot.store.models import Callback, Conversation, Message
from bot.store.times import aware, iso, utc_now

# The columns ``message_json`` reads, for a Core select: its rows serialise like messages
# (a row has the columns as attributes) without an ORM object and its identity-map state
# built for each, which nothing on those paths keeps.
_m = tables.messages.c
MESSAGE_COLUMNS = (
    _m.id,
    _m.conversation_id,
    _m.seq,
    _m.direction,
    _m.sender,
    _m.text,
    _m.payload,
    _m.channel_message_id,
    _m.reply_to,
    _m.created_at,
)


def message_json(msg: Message | Any, agent_name: str | None = None) -> dict[str, Any]:
    """A message (or a row of ``MESSAGE_COLUMNS``) as the clients read it."""
    return {
        "id": msg.id,
        "conversation_id": msg.conversation_id,
        "seq": msg.seq,
        "direction": msg.direction,
        "sender": msg.sender,
        "agent_name": agent_name,
        "text": msg.text,
        "buttons": (msg.payload or {}).get("buttons", []),
        # Channel ids are stored as "<thread>:<client id>"; clients only know the last part.
        "client_id": (msg.channel_message_id or "").rsplit(":", 1)[-1] or None,
        "reply_to": msg.reply_to,
        "created_at": iso(msg.created_at),
    }


def conversation_json(conv: Conversation, now: datetime | None = None) -> dict[str, Any]:
    now = now or utc_now()
    waiting_since = aware(conv.waiting_since)
    return {
        "id": conv.id,
        "channel": conv.channel,
        "customer_id": conv.customer_id,
        "customer_name": conv.customer_name,
        # How the customer is known (bot.access.customer_link), and for an agent's link who and why.
        "verified_by": conv.customer_verified_by,
        "linked_by": conv.customer_linked_by,
        "link_reason": conv.customer_link_reason,
        "language": conv.language,
        "state": conv.state,
        "priority": conv.priority,
        "team": conv.team,
        "assigned_to": conv.assigned_to,
        "acknowledged": conv.acknowledged_at is not None,
        "handoff_reason": conv.handoff_reason,
        "transfer_count": conv.transfer_count,
        "waiting_since": iso(conv.waiting_since),
        "wait_s": (now - waiting_since).total_seconds() if waiting_since else None,
        "context": conv.context or {},
        "resolution_code": conv.resolution_code,
        "csat": conv.csat,
        "created_at": iso(conv.created_at),
    }


def callback_json(cb: Callback) -> dict[str, Any]:
    return {
        "id": cb.id,
        "reference": f"CB-{cb.id}",
        "customer_id": cb.customer_id,
        "conversation_id": cb.conversation_id,
        "phone": cb.phone,
        "preferred_time": cb.preferred_time,
        "window_start": iso(cb.window_start),
        "window_end": iso(cb.window_end),
        "owner_id": cb.owner_id,
        "status": cb.status,
        "reminders_sent": cb.reminders_sent,
        "escalated": cb.escalated_at is not None,
        "note": cb.note,
    }
