"""Website widget channel: signed session tokens, message intake over a websocket (with an
HTTP fallback), and the history a reloaded page resumes from.

Identity comes only from proof. A site vouches for a signed-in customer by sending
customer_id plus HMAC-SHA256(site secret, customer_id) as hex, as Chatwoot's identity
validation does; everyone else is an anonymous visitor whose id the hub makes itself. The
two live in separate key spaces (``<site>:c:<customer id>`` and ``<site>:v:<random>``), so
no visitor id can ever name a customer's thread.

Tokens travel in an ``Authorization: Bearer`` header over HTTP and in the first frame of the
websocket, never in a URL, so they stay out of access logs. They expire after
``widget_token_ttl_s``; the open websocket pushes a fresh one before that. An anonymous
visitor comes back to the same thread with the resume token the hub gave them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.access.auth import client_address
from bot.access.deps import BrokerDep, ServingDep, SettingsDep, serving_of
from bot.api.schemas import MessageOut
from bot.api.widget_identity import (
    CLIENT_ID_PATTERN,
    CUSTOMER_ID_PATTERN,
    RESUME_SALT,
    SITE_PATTERN,
    WidgetAuth,
    WidgetIdentity,
    customer_key,
    issue_token,
    new_visitor_key,
    read_token,
    resume_key,
    serializer,
    sign_customer,
)
from bot.i18n.inbound import InvalidMessage
from bot.i18n.texts import text as hub_text
from bot.pipeline.intake import Inbound
from bot.pipeline.throttle import RateLimited
from bot.realtime import events

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/widget", tags=["widget"])
CHANNEL = "web"
# A connected widget sends its auth frame at once; a socket that does not is dropped.
AUTH_TIMEOUT_S = 10.0
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN)


class SessionIn(BaseModel):
    site: str = Field(pattern=SITE_PATTERN)
    customer_id: str | None = Field(default=None, pattern=CUSTOMER_ID_PATTERN)
    signature: str | None = Field(default=None, max_length=128)
    # The resume token from an earlier session: an anonymous visitor's way back.
    resume: str | None = Field(default=None, max_length=512)
    language: str | None = Field(default=None, pattern="^(vi|en)$")


class SessionOut(BaseModel):
    token: str
    expires_in: int
    resume: str | None
    customer_id: str | None


@router.post("/session")
async def open_session(
    body: SessionIn, request: Request, hub: ServingDep, settings: SettingsDep
) -> SessionOut:
    secret = settings.widget_sites.get(body.site)
    if secret is None:
        raise HTTPException(404, f"Unknown site {body.site!r}.")
    if body.customer_id:
        expected = sign_customer(secret, body.customer_id)
        given = body.signature or ""
        if not given.isascii() or not hmac.compare_digest(expected, given.lower()):
            raise HTTPException(403, "The customer identity signature is not valid.")
        # Signed but unknown to the hub: a contact, so intake never fails on it later.
        if await hub.threads.ensure_contact(body.customer_id, body.language):
            log.info("created a contact for signed customer id %s", body.customer_id)
        identity = WidgetIdentity(
            body.site, customer_key(body.site, body.customer_id), body.customer_id, body.language
        )
        resume = None
    else:
        key = resume_key(request, body.site, body.resume) or new_visitor_key(body.site)
        identity = WidgetIdentity(body.site, key, None, body.language)
        resume = serializer(request, RESUME_SALT).dumps({"site": body.site, "key": key})
    return SessionOut(
        token=issue_token(request, identity),
        expires_in=settings.widget_token_ttl_s,
        resume=resume,
        customer_id=identity.customer_id,
    )


class HistoryOut(BaseModel):
    messages: list[dict[str, Any]]
    state: str | None


@router.get("/history")
async def history(hub: ServingDep, identity: WidgetAuth) -> HistoryOut:
    messages, state = await hub.threads.history(CHANNEL, identity.key)
    return HistoryOut(messages=messages, state=state)


class WidgetMessageIn(BaseModel):
    text: Any = None
    client_id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN)


async def _intake(
    conn: Request | WebSocket,
    identity: WidgetIdentity,
    text: Any,
    client_id: str | None,
    *,
    wait_s: float = 0.0,
) -> dict[str, Any]:
    inbound = Inbound(
        channel=CHANNEL,
        channel_key=identity.key,
        text=text,
        channel_message_id=f"{identity.key}:{client_id}" if client_id else None,
        customer_id=identity.customer_id,
        language=identity.language,
        address=client_address(conn),
    )
    hub = serving_of(conn)
    result = await hub.receive(inbound)
    return {
        "conversation_id": result.conversation_id,
        "message": result.message,
        "duplicate": result.duplicate,
        "replies": await hub.replies_to(result.message["id"], wait_s) if wait_s else [],
    }


def rate_limited_body(identity: WidgetIdentity, exc: RateLimited) -> dict[str, Any]:
    """What a refused message's sender is told: the code the widget shows its own text
    for, the text itself in the visitor's language, and when to try again."""
    return {
        "code": exc.code,
        "detail": hub_text("rate_limited", identity.language or "vi", seconds=exc.retry_after),
        "retry_after": exc.retry_after,
    }


class WidgetPostOut(BaseModel):
    """The stored message, whether it was a resend, and the replies written within the
    wait (a duplicate gets the earlier ones)."""

    conversation_id: int
    message: MessageOut
    duplicate: bool
    replies: list[MessageOut]


@router.post(
    "/messages",
    response_model=WidgetPostOut,
    responses={429: {"description": "Sent too fast: not received; send again after retry_after."}},
)
async def post_message(
    body: WidgetMessageIn, request: Request, settings: SettingsDep, identity: WidgetAuth
) -> Any:
    """HTTP fallback for browsers or networks where the websocket does not connect.

    The message is stored (and acknowledged) before routing; this answer waits, holding no
    database connection, up to widget_reply_wait_s for its replies. Replies that come later
    reach the page over the websocket or /history. A duplicate gets the earlier replies."""
    wait_s = settings.widget_reply_wait_s
    try:
        return await _intake(request, identity, body.text, body.client_id, wait_s=wait_s)
    except InvalidMessage as exc:
        raise HTTPException(413 if exc.code == "too_long" else 422, exc.detail) from exc
    except RateLimited as exc:
        return JSONResponse(
            rate_limited_body(identity, exc),
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )


class LanguageIn(BaseModel):
    language: Literal["vi", "en"]


class LanguageOut(BaseModel):
    language: str
    # The open conversation now answered in it; None when none is open (the next one starts
    # in the language the new token carries).
    conversation_id: int | None
    token: str
    expires_in: int


async def switch_language(
    conn: Request | WebSocket, identity: WidgetIdentity, language: str
) -> tuple[WidgetIdentity, int | None]:
    """The visitor's language button: their open conversation is answered in ``language``
    from the next message on (it reaches Rasa as the turn's ``language`` metadata, and the
    agent panel gets the change live). Only the token's own thread is touched."""
    conv_id = await serving_of(conn).threads.set_language(CHANNEL, identity.key, language)
    changed = WidgetIdentity(identity.site, identity.key, identity.customer_id, language)
    return changed, conv_id


@router.post("/language")
async def set_language(
    body: LanguageIn, request: Request, settings: SettingsDep, identity: WidgetAuth
) -> LanguageOut:
    """Switch the open conversation's language; the answer carries a token in it, so a
    conversation opened later starts in it too."""
    changed, conv_id = await switch_language(request, identity, body.language)
    return LanguageOut(
        language=body.language,
        conversation_id=conv_id,
        token=issue_token(request, changed),
        expires_in=settings.widget_token_ttl_s,
    )


# -- websocket ----------------------------------------------------------------------------
class FrameError(ValueError):
    """A frame the socket answers with an error frame, staying open."""

    def __init__(self, detail: str, code: str = "malformed") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def parse_frame(message: dict[str, Any]) -> dict[str, Any]:
    """One received websocket message as a JSON object, or FrameError."""
    if message.get("text") is None:
        raise FrameError("Binary frames are not accepted; send JSON text frames.", "binary")
    try:
        frame = json.loads(message["text"])
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise FrameError("Frames must be JSON objects.") from exc
    if not isinstance(frame, dict):
        raise FrameError("Frames must be JSON objects.")
    return frame


async def _receive(websocket: WebSocket) -> dict[str, Any]:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    return dict(message)


async def _authenticate(websocket: WebSocket) -> WidgetIdentity | None:
    """The first frame must be {"type": "auth", "token": ...}; otherwise close with a reason."""
    try:
        first = await asyncio.wait_for(_receive(websocket), AUTH_TIMEOUT_S)
    except asyncio.TimeoutError:
        await websocket.close(4408, "No auth frame received in time.")
        return None
    try:
        frame = parse_frame(first)
    except FrameError:
        frame = {}
    token = frame.get("token")
    if frame.get("type") != "auth" or not isinstance(token, str):
        await websocket.close(4400, 'The first frame must be {"type": "auth", "token": ...}.')
        return None
    try:
        return read_token(websocket, token)
    except HTTPException as exc:
        await websocket.close(4401, str(exc.detail))
        return None


@router.websocket("/ws")
async def widget_socket(websocket: WebSocket, settings: SettingsDep, broker: BrokerDep) -> None:
    await websocket.accept()
    try:
        authenticated = await _authenticate(websocket)
    except WebSocketDisconnect:
        return
    if authenticated is None:
        return
    # Rebound by a "language" frame; send_token reads the current one.
    identity: WidgetIdentity = authenticated
    ttl = settings.widget_token_ttl_s

    async def send_token() -> None:
        await websocket.send_json(
            {"type": "token", "token": issue_token(websocket, identity), "expires_in": ttl}
        )

    await websocket.send_json({"type": "ready", "customer_id": identity.customer_id})
    async with broker.subscribe(events.thread(CHANNEL, identity.key)) as inbox:

        async def pump() -> None:
            """Pushes the thread's events, and a fresh token halfway through each lifetime
            (on a schedule of its own, so a busy thread still gets one in time)."""
            loop = asyncio.get_running_loop()
            refresh_at = loop.time() + ttl / 2
            while True:
                try:
                    event = await asyncio.wait_for(inbox.get(), max(0.0, refresh_at - loop.time()))
                except asyncio.TimeoutError:
                    await send_token()
                    refresh_at = loop.time() + ttl / 2
                    continue
                await websocket.send_json(event)

        sender = asyncio.create_task(pump())
        try:
            while True:
                try:
                    frame = parse_frame(await _receive(websocket))
                    kind = frame.get("type")
                    if kind == "refresh":
                        await send_token()
                        continue
                    if kind == "language":
                        language = frame.get("language")
                        if language not in ("vi", "en"):
                            raise FrameError('language must be "vi" or "en".', "invalid")
                        # The socket speaks for the new language too (new conversations).
                        identity, conv_id = await switch_language(websocket, identity, language)
                        await websocket.send_json(
                            {"type": "language", "language": language, "conversation_id": conv_id}
                        )
                        await send_token()
                        continue
                    if kind != "message":
                        raise FrameError("Unknown frame.")
                    await _on_message(websocket, identity, frame)
                except FrameError as exc:
                    await websocket.send_json(
                        {"type": "error", "code": exc.code, "detail": exc.detail}
                    )
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender


async def _on_message(
    websocket: WebSocket, identity: WidgetIdentity, frame: dict[str, Any]
) -> None:
    raw_id = frame.get("client_id")
    if raw_id is not None and not (isinstance(raw_id, str) and _CLIENT_ID.match(raw_id)):
        # Not echoed back: it may hold characters that cannot even be encoded.
        raise FrameError("client_id must be 1-40 letters, digits, '.', '_' or '-'.")
    try:
        result = await _intake(websocket, identity, frame.get("text"), raw_id)
    except InvalidMessage as exc:
        await websocket.send_json(
            {"type": "error", "client_id": raw_id, "code": exc.code, "detail": exc.detail}
        )
        return
    except RateLimited as exc:
        # Not received; the socket stays open and the widget shows the text by the message.
        await websocket.send_json(
            {"type": "error", "client_id": raw_id, **rate_limited_body(identity, exc)}
        )
        return
    await websocket.send_json(
        {
            "type": "ack",
            "client_id": raw_id,
            "message": result["message"],
            "duplicate": result["duplicate"],
        }
    )
