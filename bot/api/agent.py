"""Agent-side API (session cookie + CSRF): sign-in, queue, claim, acknowledge, reply,
transfer, call-backs and resolve; plus the websocket that pushes queue changes live."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot import presence, states
from bot.auth import (
    authenticate,
    current_user,
    hub_of,
    require_agent,
    require_supervisor,
    start_session,
    websocket_user,
)
from bot.handoff import callbacks, queue
from bot.serialize import callback_json, conversation_json, message_json
from bot.store.models import Alert, Callback, Conversation, ConversationEvent, Message, User
from bot.text import InvalidMessage, validate_text

router = APIRouter(prefix="/api", tags=["agent"])


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "team": user.team,
        "online": user.online,
    }


def _raise(exc: queue.QueueError) -> None:
    raise HTTPException(exc.status, exc.detail) from exc


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


@router.post("/auth/login")
async def login(body: LoginIn, request: Request) -> dict[str, Any]:
    user = await authenticate(request, body.username, body.password)
    if user is None:
        raise HTTPException(401, "Wrong username or password.")
    csrf = start_session(request, user)
    return {"user": user_json(user), "csrf_token": csrf}


@router.post("/auth/logout")
async def logout(request: Request, user: User = Depends(current_user)) -> dict[str, bool]:
    await set_online(request, user, False)
    request.session.clear()
    return {"ok": True}


@router.get("/auth/me")
async def me(request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    return {"user": user_json(user), "csrf_token": request.session.get("csrf")}


async def set_online(request: Request, user: User, online: bool) -> None:
    hub = hub_of(request)
    async with hub.db.session() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.online = online
        stored.last_seen_at = datetime.now(timezone.utc)
        await session.commit()
        if online:
            await queue.auto_assign(hub, session)
    hub.broker.publish("agents", {"type": "presence", "user": user.username, "online": online})


class StatusIn(BaseModel):
    online: bool


@router.post("/agents/me/status")
async def my_status(
    body: StatusIn, request: Request, user: User = Depends(require_agent)
) -> dict[str, bool]:
    await set_online(request, user, body.online)
    return {"online": body.online}


@router.get("/queue")
async def list_queue(request: Request, user: User = Depends(require_agent)) -> dict[str, Any]:
    async with hub_of(request).db.session() as session:
        rows = (
            await session.scalars(
                select(Conversation)
                .where(Conversation.state.in_((states.WAITING, states.ASSIGNED)))
                .order_by(Conversation.priority.desc(), Conversation.waiting_since)
            )
        ).all()
    now = datetime.now(timezone.utc)
    items = [conversation_json(c, now) for c in rows]
    return {
        "waiting": [c for c in items if c["state"] == states.WAITING],
        "mine": [c for c in items if c["assigned_to"] == user.id],
        "assigned": [c for c in items if c["state"] == states.ASSIGNED],
    }


@router.get("/conversations/{conv_id}")
async def get_conversation(
    conv_id: int, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    async with hub_of(request).db.session() as session:
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


@router.post("/conversations/{conv_id}/claim")
async def claim(
    conv_id: int, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.claim(hub_of(request), conv_id, user)
    except queue.QueueError as exc:
        _raise(exc)
    return conversation_json(conv)


@router.post("/conversations/{conv_id}/ack")
async def acknowledge(
    conv_id: int, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.acknowledge(hub_of(request), conv_id, user)
    except queue.QueueError as exc:
        _raise(exc)
    return conversation_json(conv)


class AssignIn(BaseModel):
    username: str


@router.post("/conversations/{conv_id}/assign")
async def assign(
    conv_id: int, body: AssignIn, request: Request, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    hub = hub_of(request)
    async with hub.db.session() as session:
        conv = await session.get(Conversation, conv_id)
        target = await session.scalar(select(User).where(User.username == body.username))
        if conv is None or target is None:
            raise HTTPException(404, "No such conversation or agent.")
        if conv.state != states.WAITING:
            raise HTTPException(409, f"Conversation {conv_id} is '{conv.state}', not waiting.")
        await queue.assign(hub, session, conv, target, actor=user.username, acknowledged=False)
        return conversation_json(conv)


class MessageIn(BaseModel):
    text: str


@router.post("/conversations/{conv_id}/messages")
async def send_message(
    conv_id: int, body: MessageIn, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    hub = hub_of(request)
    try:
        text = validate_text(body.text, hub.settings.max_message_chars)
        return await queue.agent_message(hub, conv_id, user, text)
    except InvalidMessage as exc:
        raise HTTPException(422, exc.detail) from exc
    except queue.QueueError as exc:
        _raise(exc)
        raise


class TransferIn(BaseModel):
    note: str = Field(max_length=2000)
    to_agent: str | None = None
    to_team: str | None = None


@router.post("/conversations/{conv_id}/transfer")
async def transfer(
    conv_id: int, body: TransferIn, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.transfer(
            hub_of(request), conv_id, user, body.note, body.to_agent, body.to_team
        )
    except queue.QueueError as exc:
        _raise(exc)
    return conversation_json(conv)


class CallbackIn(BaseModel):
    phone: str = Field(max_length=32)
    preferred_time: str | None = Field(default=None, max_length=200)
    window_start: datetime | None = None
    window_end: datetime | None = None
    note: str | None = Field(default=None, max_length=2000)


@router.post("/conversations/{conv_id}/callbacks")
async def schedule_callback(
    conv_id: int, body: CallbackIn, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    hub = hub_of(request)
    phone = callbacks.normalise_phone(body.phone)
    if phone is None:
        raise HTTPException(422, "That is not a valid Vietnamese phone number.")
    window = None
    if body.window_start and body.window_end:
        if body.window_end <= body.window_start:
            raise HTTPException(422, "The window must end after it starts.")
        window = (body.window_start, body.window_end)
    async with hub.db.session() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            raise HTTPException(404, "No such conversation.")
        cb = await callbacks.schedule(
            hub,
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


@router.post("/conversations/{conv_id}/resolve")
async def resolve(
    conv_id: int, body: ResolveIn, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        conv = await queue.resolve(hub_of(request), conv_id, user, body.code)
    except queue.QueueError as exc:
        _raise(exc)
    except states.InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc
    return conversation_json(conv)


@router.get("/callbacks")
async def list_callbacks(
    request: Request, status: str | None = None, user: User = Depends(require_agent)
) -> dict[str, Any]:
    async with hub_of(request).db.session() as session:
        query = select(Callback).order_by(Callback.window_start)
        if status:
            query = query.where(Callback.status == status)
        rows = (await session.scalars(query)).all()
    return {"callbacks": [callback_json(cb) for cb in rows]}


class CallbackStatusIn(BaseModel):
    status: str = Field(pattern="^(scheduled|done|missed)$")


@router.post("/callbacks/{callback_id}")
async def update_callback(
    callback_id: int, body: CallbackStatusIn, request: Request, user: User = Depends(require_agent)
) -> dict[str, Any]:
    try:
        cb = await callbacks.set_status(hub_of(request), callback_id, body.status, user)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    return callback_json(cb)


@router.get("/alerts")
async def list_alerts(request: Request, user: User = Depends(require_supervisor)) -> dict[str, Any]:
    async with hub_of(request).db.session() as session:
        rows = (await session.scalars(select(Alert).order_by(Alert.id.desc()).limit(200))).all()
    return {
        "alerts": [
            {
                "id": a.id,
                "kind": a.kind,
                "text": a.text,
                "conversation_id": a.conversation_id,
                "callback_id": a.callback_id,
                "created_at": a.created_at.isoformat(),
            }
            for a in rows
        ]
    }


@router.get("/metrics")
async def metrics(
    request: Request, days: int = 30, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    """First response, response and handling times, CSAT and NPS over recent days."""
    from bot.metrics import service_metrics

    async with hub_of(request).db.session() as session:
        return await service_metrics(session, days)


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    """Pushes queue, message, alert and suggestion events. Clients may send
    {"type": "watch", "conversation_id": N} to follow one conversation live."""
    user = await websocket_user(websocket)
    if user is None or user.role not in ("agent", "supervisor", "knowledge_manager"):
        await websocket.close(code=4401)
        return
    await websocket.accept()
    hub = hub_of(websocket)
    broker = hub.broker
    topics = ["agents", f"user:{user.id}"] + (["supervisors"] if user.role == "supervisor" else [])
    async with broker.subscribe(*topics) as inbox:
        watching: str | None = None

        async def pump() -> None:
            while True:
                await websocket.send_json(await inbox.get())

        async def heartbeat() -> None:
            # Presence is this live connection: check in while it lasts. A ping frame also
            # finds a dead peer (a laptop lid closed) that never sent a close.
            every = max(0.5, hub.settings.presence_timeout_s / 3)
            while True:
                await presence.touch(hub, user.id)
                await websocket.send_json({"type": "ping"})
                await asyncio.sleep(every)

        await websocket.send_json({"type": "health", "bot": hub.health.snapshot()})
        sender = asyncio.create_task(pump())
        beating = asyncio.create_task(heartbeat())
        try:
            while True:
                data = await websocket.receive_json()
                if isinstance(data, dict) and data.get("type") == "watch":
                    if watching:
                        broker.remove_topic(inbox, watching)
                    watching = f"conv:{int(data.get('conversation_id', 0))}"
                    broker.add_topic(inbox, watching)
        except (WebSocketDisconnect, ValueError, RuntimeError):
            pass
        finally:
            for task in (sender, beating):
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            if watching:
                broker.remove_topic(inbox, watching)
