"""Website widget channel: a signed session token, message intake over a websocket (with an
HTTP fallback), and the history a reloaded page resumes from.

A site may vouch for a signed-in customer by sending customer_id plus
HMAC-SHA256(site secret, customer_id) as hex, as Chatwoot's identity validation does.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.auth import hub_of
from bot.serialize import message_json
from bot.service import Inbound
from bot.store.models import Conversation, Message, User
from bot.text import InvalidMessage

router = APIRouter(prefix="/api/widget", tags=["widget"])
CHANNEL = "web"


def sign_customer(secret: str, customer_id: str) -> str:
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def _serializer(request: Request | WebSocket) -> URLSafeSerializer:
    return URLSafeSerializer(hub_of(request).settings.secret_key, salt="widget-session")


def read_token(request: Request | WebSocket, token: str) -> dict[str, Any]:
    try:
        data = _serializer(request).loads(token)
    except BadSignature as exc:
        raise HTTPException(401, "Invalid widget session token.") from exc
    return dict(data)


class SessionIn(BaseModel):
    site: str = Field(max_length=64)
    visitor_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    customer_id: str | None = Field(default=None, max_length=64)
    signature: str | None = Field(default=None, max_length=128)
    language: str | None = Field(default=None, pattern="^(vi|en)$")


@router.post("/session")
async def open_session(body: SessionIn, request: Request) -> dict[str, Any]:
    sites = hub_of(request).settings.widget_sites
    secret = sites.get(body.site)
    if secret is None:
        raise HTTPException(404, f"Unknown site {body.site!r}.")
    customer_id = None
    if body.customer_id:
        expected = sign_customer(secret, body.customer_id)
        if not body.signature or not hmac.compare_digest(expected, body.signature):
            raise HTTPException(403, "The customer identity signature is not valid.")
        customer_id = body.customer_id
    visitor = body.visitor_id or secrets.token_urlsafe(12)
    key = f"{body.site}:{customer_id or visitor}"
    token = _serializer(request).dumps(
        {"key": key, "customer_id": customer_id, "language": body.language}
    )
    return {"token": token, "visitor_id": visitor, "customer_id": customer_id}


@router.get("/history")
async def history(request: Request, token: str) -> dict[str, Any]:
    session_data = read_token(request, token)
    async with hub_of(request).db.session() as session:
        rows = (
            await session.execute(
                select(Message, User.display_name)
                .select_from(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                # A reloaded page still names the agent who wrote each reply.
                .outerjoin(User, User.id == Message.agent_id)
                .where(
                    Conversation.channel == CHANNEL, Conversation.channel_key == session_data["key"]
                )
                .order_by(Message.conversation_id, Message.seq)
            )
        ).all()
        state = await session.scalar(
            select(Conversation.state)
            .where(Conversation.channel == CHANNEL, Conversation.channel_key == session_data["key"])
            .order_by(Conversation.id.desc())
        )
    return {"messages": [message_json(m, agent_name=name) for m, name in rows], "state": state}


class WidgetMessageIn(BaseModel):
    token: str
    text: Any = None
    client_id: str | None = Field(default=None, max_length=128)


async def _intake(
    request: Request | WebSocket,
    token: str,
    text: Any,
    client_id: str | None,
    *,
    wait_s: float = 0.0,
) -> dict[str, Any]:
    data = read_token(request, token)
    hub = hub_of(request)
    inbound = Inbound(
        channel=CHANNEL,
        channel_key=data["key"],
        text=text,
        channel_message_id=f"{data['key']}:{client_id}" if client_id else None,
        customer_id=data.get("customer_id"),
        language=data.get("language"),
    )
    result = await hub.receive(inbound)
    return {
        "conversation_id": result.conversation_id,
        "message": result.message,
        "duplicate": result.duplicate,
        "replies": await hub.replies_to(result.message["id"], wait_s) if wait_s else [],
    }


@router.post("/messages")
async def post_message(body: WidgetMessageIn, request: Request) -> dict[str, Any]:
    """HTTP fallback for browsers or networks where the websocket does not connect.

    The message is stored (and acknowledged) before routing; this answer waits, holding no
    database connection, up to widget_reply_wait_s for its replies. Replies that come later
    reach the page over the websocket or /history. A duplicate gets the earlier replies."""
    wait_s = hub_of(request).settings.widget_reply_wait_s
    try:
        return await _intake(request, body.token, body.text, body.client_id, wait_s=wait_s)
    except InvalidMessage as exc:
        raise HTTPException(413 if exc.code == "too_long" else 422, exc.detail) from exc


@router.websocket("/ws")
async def widget_socket(websocket: WebSocket, token: str) -> None:
    try:
        data = read_token(websocket, token)
    except HTTPException:
        await websocket.close(code=4401)
        return
    await websocket.accept()
    hub = hub_of(websocket)
    async with hub.broker.subscribe(f"thread:{CHANNEL}:{data['key']}") as inbox:
        import asyncio

        async def pump() -> None:
            while True:
                await websocket.send_json(await inbox.get())

        sender = asyncio.create_task(pump())
        try:
            while True:
                try:
                    frame = await websocket.receive_json()
                except ValueError:
                    await websocket.send_json(
                        {"type": "error", "code": "malformed", "detail": "Frames must be JSON."}
                    )
                    continue
                if not isinstance(frame, dict) or frame.get("type") != "message":
                    await websocket.send_json(
                        {"type": "error", "code": "malformed", "detail": "Unknown frame."}
                    )
                    continue
                client_id = frame.get("client_id")
                try:
                    result = await _intake(
                        websocket, token, frame.get("text"), str(client_id) if client_id else None
                    )
                    await websocket.send_json(
                        {
                            "type": "ack",
                            "client_id": client_id,
                            "message": result["message"],
                            "duplicate": result["duplicate"],
                        }
                    )
                except InvalidMessage as exc:
                    await websocket.send_json(
                        {
                            "type": "error",
                            "client_id": client_id,
                            "code": exc.code,
                            "detail": exc.detail,
                        }
                    )
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
