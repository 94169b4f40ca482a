"""Agent-side API (session cookie + CSRF): presence, queue, claim, acknowledge, reply,
transfer, call-backs and resolve. Sign-in is in bot.api.account, the live websocket in
bot.api.agent_socket; routing in bot.api.routing, supervisors' alerts and metrics in
bot.api.supervision, linking a customer in bot.api.customer_links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.access.auth import require_agent, require_supervisor
from bot.access.deps import CoreDep, DatabaseDep, SettingsDep
from bot.api import customer_links
from bot.api import routing as routing_api
from bot.api import supervision as supervision_api
from bot.api.agent_schemas import CallbackListOut, ConversationDetailOut, QueueOut, StatusOut
from bot.api.params import DbId
from bot.api.schemas import CallbackOut, ConversationOut, MessageOut
from bot.copilot.placeholders import unfilled, unfilled_detail
from bot.core import Core
from bot.handoff import callbacks, dispatch, queue
from bot.i18n.inbound import InvalidMessage, validate_text
from bot.pipeline.windows import WindowClosed, agent_reply_refusal
from bot.realtime import events
from bot.store import states
from bot.store.db import Database
from bot.store.models import (
    Callback,
    Conversation,
    ConversationEvent,
    Message,
    User,
)
from bot.store.serialize import callback_json, conversation_json, message_json
from bot.store.times import utc_now

router = APIRouter(prefix="/api", tags=["agent"])
router.include_router(customer_links.router)
router.include_router(routing_api.router)
router.include_router(supervision_api.router)


def _raise(exc: queue.QueueError) -> None:
    raise HTTPException(exc.status, exc.detail) from exc


async def set_online(core: Core, db: Database, user: User, online: bool) -> None:
    """Store the agent's presence; the queue stages (which take the hub's ``core``) assign
    or hand on their conversations, and the panels hear of it."""
    async with db.session() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.online = online
        stored.last_seen_at = utc_now()
        await session.commit()
        if online:
            await queue.auto_assign(core, session)
    if not online:
        # Away: their offers go to the next agent at once (bot.handoff.dispatch).
        await dispatch.return_from_absent(core)
    frame = events.PresenceFrame(type="presence", user=user.username, online=online)
    events.publish(core.broker, events.AGENTS, frame)


class StatusIn(BaseModel):
    online: bool


@router.post("/agents/me/status", response_model=StatusOut)
async def my_status(
    body: StatusIn, core: CoreDep, db: DatabaseDep, user: User = Depends(require_agent)
) -> dict[str, bool]:
    await set_online(core, db, user, body.online)
    return {"online": body.online}


@router.get("/queue", response_model=QueueOut)
async def list_queue(
    db: DatabaseDep, settings: SettingsDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(Conversation)
                .where(Conversation.state.in_((states.WAITING, states.ASSIGNED)))
                .order_by(Conversation.priority.desc(), Conversation.waiting_since)
            )
        ).all()
    now = utc_now()
    items = [conversation_json(c, now) for c in rows]
    # The waiting list in the order routing offers it (ageing included): panels show it as
    # sent and never re-sort it on their own copy of the wait times.
    order = dispatch.queue_order([c for c in rows if c.state == states.WAITING], settings, now)
    rank = {conv_id: i for i, conv_id in enumerate(order)}
    waiting = sorted(
        (c for c in items if c["state"] == states.WAITING), key=lambda c: rank[c["id"]]
    )
    for position, item in enumerate(waiting, start=1):
        item["position"] = position
    return {
        "waiting": waiting,
        "mine": [c for c in items if c["assigned_to"] == user.id],
        "assigned": [c for c in items if c["state"] == states.ASSIGNED],
    }


@router.get("/conversations/{conv_id}", response_model=ConversationDetailOut)
async def get_conversation(
    conv_id: DbId, db: DatabaseDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    async with db.session() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            raise HTTPException(404, "No such conversation.")
        messages = (
            await session.scalars(
                select(Message).where(Message.conversation_id == conv_id).order_by(Message.seq)
            )
        ).all()
        names = {u.id: u.display_name for u in (await session.scalars(select(User))).all()}
        events = (
            await session.scalars(
                select(ConversationEvent)
                .where(ConversationEvent.conversation_id == conv_id)
                .order_by(ConversationEvent.id)
            )
        ).all()
    return {
        "conversation": conversation_json(conv),
        "messages": [
            message_json(m, names.get(m.agent_id) if m.agent_id else None) for m in messages
        ],
        "events": [
            {
                "kind": e.kind,
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "note": e.note,
                "at": e.created_at.isoformat(),
            }
            for e in events
        ],
    }


@router.post("/conversations/{conv_id}/claim", response_model=ConversationOut)
async def claim(
    conv_id: DbId, core: CoreDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.claim(core, conv_id, user)
    except queue.QueueError as exc:
        _raise(exc)
    return conversation_json(conv)


@router.post("/conversations/{conv_id}/ack", response_model=ConversationOut)
async def acknowledge(
    conv_id: DbId, core: CoreDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.acknowledge(core, conv_id, user)
    except queue.QueueError as exc:
        _raise(exc)
    return conversation_json(conv)


class AssignIn(BaseModel):
    username: str


@router.post("/conversations/{conv_id}/assign", response_model=ConversationOut)
async def assign(
    conv_id: DbId,
    body: AssignIn,
    core: CoreDep,
    db: DatabaseDep,
    user: User = Depends(require_supervisor),
) -> dict[str, Any]:
    async with db.session() as session:
        conv = await session.get(Conversation, conv_id)
        target = await session.scalar(select(User).where(User.username == body.username))
        if conv is None or target is None:
            raise HTTPException(404, "No such conversation or agent.")
        if conv.state != states.WAITING:
            raise HTTPException(409, f"Conversation {conv_id} is '{conv.state}', not waiting.")
        await queue.assign(core, session, conv, target, actor=user.username, acknowledged=False)
        return conversation_json(conv)


class MessageIn(BaseModel):
    text: str


@router.post("/conversations/{conv_id}/messages", response_model=MessageOut)
async def send_message(
    conv_id: DbId,
    body: MessageIn,
    core: CoreDep,
    settings: SettingsDep,
    user: User = Depends(require_agent),
) -> dict[str, Any]:
    try:
        text = validate_text(body.text, settings.max_message_chars)
        # A canned reply whose variable had no value is never sent with its placeholder.
        left = unfilled(text)
        if left:
            raise HTTPException(422, unfilled_detail(left))
        # A reply Zalo or Messenger would refuse (its window closed) is not stored: the
        # agent gets a 409 saying why, in both languages.
        await agent_reply_refusal(core, conv_id)
        return await queue.agent_message(core, conv_id, user, text)
    except WindowClosed as exc:
        raise HTTPException(409, exc.detail) from exc
    except InvalidMessage as exc:
        raise HTTPException(422, exc.detail) from exc
    except queue.QueueError as exc:
        _raise(exc)
        raise


class TransferIn(BaseModel):
    note: str = Field(max_length=2000)
    to_agent: str | None = None
    to_team: str | None = None


@router.post("/conversations/{conv_id}/transfer", response_model=ConversationOut)
async def transfer(
    conv_id: DbId, body: TransferIn, core: CoreDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.transfer(core, conv_id, user, body.note, body.to_agent, body.to_team)
    except queue.QueueError as exc:
        _raise(exc)
    return conversation_json(conv)


class CallbackIn(BaseModel):
    phone: str = Field(max_length=32)
    preferred_time: str | None = Field(default=None, max_length=200)
    window_start: datetime | None = None
    window_end: datetime | None = None
    note: str | None = Field(default=None, max_length=2000)


@router.post("/conversations/{conv_id}/callbacks", response_model=CallbackOut)
async def schedule_callback(
    conv_id: DbId,
    body: CallbackIn,
    core: CoreDep,
    db: DatabaseDep,
    user: User = Depends(require_agent),
) -> dict[str, Any]:
    phone = callbacks.normalise_phone(body.phone)
    if phone is None:
        raise HTTPException(422, "That is not a valid Vietnamese phone number.")
    window = None
    if body.window_start and body.window_end:
        window = callbacks.checked_window(body.window_start, body.window_end)
        if window is None:
            raise HTTPException(422, "The window must end after it starts, within a year from now.")
    async with db.session() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            raise HTTPException(404, "No such conversation.")
        cb = await callbacks.schedule(
            core,
            session,
            phone=phone,
            preferred_time=body.preferred_time,
            customer_id=conv.customer_id,
            conversation_id=conv.id,
            sender_id=f"{conv.channel}:{conv.channel_key}",
            language=conv.language,
            owner_id=user.id,
            window=window,
            note=body.note,
        )
        return callback_json(cb)


class ResolveIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)


@router.post("/conversations/{conv_id}/resolve", response_model=ConversationOut)
async def resolve(
    conv_id: DbId, body: ResolveIn, core: CoreDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.resolve(core, conv_id, user, body.code)
    except queue.QueueError as exc:
        _raise(exc)
    except states.InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc
    return conversation_json(conv)


@router.get("/callbacks", response_model=CallbackListOut)
async def list_callbacks(
    db: DatabaseDep, status: str | None = None, user: User = Depends(require_agent)
) -> dict[str, Any]:
    async with db.session() as session:
        query = select(Callback).order_by(Callback.window_start)
        if status:
            query = query.where(Callback.status == status)
        rows = (await session.scalars(query)).all()
    return {"callbacks": [callback_json(cb) for cb in rows]}


class CallbackStatusIn(BaseModel):
    status: str = Field(pattern="^(scheduled|done|missed)$")


@router.post("/callbacks/{callback_id}", response_model=CallbackOut)
async def update_callback(
    callback_id: DbId, body: CallbackStatusIn, core: CoreDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        cb = await callbacks.set_status(core, callback_id, body.status, user)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    return callback_json(cb)
