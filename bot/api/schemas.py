"""Response models shared by several APIs: the JSON shapes of ``bot/store/serialize.py`` declared
for ``/openapi.json``. Times are ISO 8601 text, as ``bot.store.times.iso`` writes them.

A route that answers with one of these declares it as its ``response_model``; FastAPI then
checks the answer against it, so a serializer and its declared shape cannot drift apart
(tests/hub/test_route_contracts.py checks that every JSON route declares one).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class OkOut(BaseModel):
    ok: bool


class MessageOut(BaseModel):
    """``bot.store.serialize.message_json``."""

    id: int
    conversation_id: int
    seq: int
    direction: str
    sender: str
    agent_name: str | None
    text: str
    buttons: list[dict[str, Any]]
    client_id: str | None
    reply_to: int | None
    created_at: str | None


class ConversationOut(BaseModel):
    """``bot.store.serialize.conversation_json``."""

    id: int
    channel: str
    customer_id: str | None
    customer_name: str | None
    verified_by: str | None
    linked_by: str | None
    link_reason: str | None
    language: str
    state: str
    priority: int
    team: str
    assigned_to: int | None
    acknowledged: bool
    handoff_reason: str | None
    transfer_count: int
    waiting_since: str | None
    wait_s: float | None
    context: dict[str, Any]
    resolution_code: str | None
    csat: int | None
    created_at: str | None


class CallbackOut(BaseModel):
    """``bot.store.serialize.callback_json``."""

    id: int
    reference: str
    customer_id: str | None
    conversation_id: int | None
    phone: str
    preferred_time: str | None
    window_start: str | None
    window_end: str | None
    owner_id: int | None
    status: str
    reminders_sent: int
    escalated: bool
    note: str | None
