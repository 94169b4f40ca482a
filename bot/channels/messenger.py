"""Facebook Messenger channel: customers write to the bank's Facebook page, and their
messages go through the same intake, routing, hand-off and outbox as the widget's.

Usage:
    TANDEM_MESSENGER_PAGE_TOKEN=... TANDEM_MESSENGER_APP_SECRET=... \\
    TANDEM_MESSENGER_VERIFY_TOKEN=... [TANDEM_MESSENGER_HUMAN_AGENT=true] tandem hub
    and subscribe https://<hub>/messenger/webhook to the page's ``messages`` and
    ``messaging_postbacks`` fields (README, "Zalo and Messenger").

Inbound: the subscription handshake (``hub.mode=subscribe``, ``hub.verify_token``,
``hub.challenge``) and then signed POSTs, ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the
raw body with the app secret>``; Rasa's own connector checks the older SHA-1 header and is
not used. Each customer message is stored with its work item before the 200, deduplicated
on its ``mid``; the page's own echoes, deliveries and reads are not customer messages.

Outbound: the Send API, a RESPONSE within 24 hours of the customer's last message; after
that only an agent, with the HUMAN_AGENT tag, up to 7 days, when the page is approved for
it (``TANDEM_MESSENGER_HUMAN_AGENT``). Buttons go as quick replies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, StrictInt, StrictStr, ValidationError

from bot.access.deps import part_of
from bot.channels import platform
from bot.core import Core
from bot.i18n.inbound import InvalidMessage
from bot.pipeline import windows
from bot.pipeline.intake import Inbound
from bot.pipeline.outbox import DeliveryDeferred, DeliveryRefused
from bot.pipeline.threads import Recipient
from bot.pipeline.throttle import RateLimited
from bot.wiring import Wiring

log = logging.getLogger(__name__)

CHANNEL = "messenger"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_MESSENGER_TEXT = 2000
MAX_QUICK_REPLY_TITLE = 20
# Graph API error codes: the message is outside the allowed window (10 with subcode
# 2018278, or 551: the person is unavailable), or too many calls.
WINDOW_SUBCODES = {2018278, 2018108, 2018065}
WINDOW_CODES = {551}
RATE_CODES = {4, 17, 32, 613}
RATE_RETRY_S = 30.0


class _Party(BaseModel):
    id: StrictStr


class _Attachment(BaseModel):
    type: StrictStr


class _QuickReply(BaseModel):
    payload: StrictStr


class _MMessage(BaseModel):
    mid: StrictStr
    text: StrictStr | None = None
    is_echo: bool = False
    attachments: list[_Attachment] | None = None
    quick_reply: _QuickReply | None = None


class _Postback(BaseModel):
    payload: StrictStr | None = None
    title: StrictStr | None = None
    mid: StrictStr | None = None


class _Messaging(BaseModel):
    sender: _Party
    recipient: _Party
    timestamp: StrictInt
    message: _MMessage | None = None
    postback: _Postback | None = None


class _Entry(BaseModel):
    id: StrictStr
    messaging: list[_Messaging] = []


class MessengerCallback(BaseModel):
    object: StrictStr
    entry: list[_Entry]


def signature(raw: bytes, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


class MessengerChannel:
    def __init__(
        self,
        hub: platform.PlatformHub,
        core: Core,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.hub = hub  # intake
        self.core = core  # windows and reports
        self.settings = core.settings
        self.http = httpx.AsyncClient(timeout=15, transport=transport)

    async def stop(self) -> None:
        await self.http.aclose()

    # -- inbound ------------------------------------------------------------------------------
    def verify(self, raw: bytes, given: str | None) -> tuple[int, str] | MessengerCallback:
        if not given:
            return 401, "Missing signature."
        secret = self.settings.messenger_app_secret
        expected = signature(raw, secret) if secret else ""
        mac = given.strip().removeprefix("sha256=").lower()
        if not secret or not hmac.compare_digest(mac.encode(), expected.encode()):
            return 403, "Wrong signature."
        try:
            callback = MessengerCallback.model_validate(json.loads(raw))
        except (ValueError, RecursionError, ValidationError):
            return 400, "Not a Messenger callback."
        if callback.object != "page":
            return 400, "Not a page callback."
        return callback

    async def receive(self, callback: MessengerCallback) -> None:
        for entry in callback.entry:
            for event in entry.messaging:
                await self._one(event)

    async def _one(self, event: _Messaging) -> None:
        user = event.sender.id
        message, postback = event.message, event.postback
        attachment = None
        if message is not None:
            if message.is_echo:  # the page's own message, coming back
                return
            mid = message.mid
            if message.quick_reply is not None:
                text: str | None = message.quick_reply.payload
            elif message.text is not None:
                text = message.text
            else:
                kinds = [a.type for a in message.attachments or []] or ["attachment"]
                attachment = kinds[0]
                text = f"[{attachment}]"
        elif postback is not None:
            mid = postback.mid or f"postback:{user}:{event.timestamp}"
            text = postback.payload or postback.title or ""
        else:
            return  # deliveries, reads, reactions: not the customer's words
        try:
            await self.hub.receive(Inbound(CHANNEL, user, text, mid, attachment=attachment))
        except (InvalidMessage, RateLimited) as exc:
            # Nothing stored. Facebook is still answered 200: a retry would be refused
            # again. The refusal is logged for the operator.
            log.info("messenger message %s refused: %s", mid, exc)

    # -- outbound -----------------------------------------------------------------------------
    async def deliver(self, conv: Recipient, out: dict[str, Any]) -> None:
        verdict = await windows.delivery_verdict(self.core, CHANNEL, conv.channel_key, out)
        language = conv.language if conv.language in ("vi", "en") else "vi"
        parts = platform.chunks(platform.outbound_text(out, language), MAX_MESSENGER_TEXT)
        buttons = out.get("buttons") or []
        for i, part in enumerate(parts):
            message: dict[str, Any] = {"text": part}
            if buttons and i == len(parts) - 1:
                message["quick_replies"] = [
                    {
                        "content_type": "text",
                        "title": str(b.get("title") or b.get("payload"))[:MAX_QUICK_REPLY_TITLE],
                        "payload": str(b.get("payload") or b.get("title")),
                    }
                    for b in buttons[:13]
                ]
            body: dict[str, Any] = {
                "recipient": {"id": conv.channel_key},
                "message": message,
                "messaging_type": "MESSAGE_TAG" if verdict.tag else "RESPONSE",
            }
            if verdict.tag:
                body["tag"] = verdict.tag
            await self._send(out, body)

    async def _send(self, out: dict[str, Any], body: dict[str, Any]) -> None:
        response = await self.http.post(
            f"{self.settings.messenger_graph_base}/me/messages",
            params={"access_token": self.settings.messenger_page_token},
            json=body,
        )
        if response.status_code < 400:
            return
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        code, subcode = error.get("code"), error.get("error_subcode")
        detail = f"Messenger error {code}/{subcode}: {error.get('message', response.text[:200])}"
        if code in RATE_CODES or response.status_code == 429:
            raise DeliveryDeferred(detail, RATE_RETRY_S)
        if subcode in WINDOW_SUBCODES or code in WINDOW_CODES:
            explanation = {"vi": f"Messenger từ chối tin nhắn ({detail}).", "en": detail}
            conv_id = int(out["conversation_id"])
            await windows.report_refused(self.core, conv_id, out, "platform", explanation)
            raise DeliveryRefused("platform", detail)
        # An expired page token (190) and the rest: retried with backoff by the outbox,
        # and the row is kept, so a replaced token delivers it.
        raise RuntimeError(detail)


router = APIRouter(tags=["messenger"])


# The channel ``install`` below keeps on the application.
MessengerDep = Annotated[MessengerChannel, Depends(part_of("messenger", MessengerChannel))]


@router.get("/messenger/webhook", include_in_schema=False)
async def messenger_handshake(request: Request, channel: MessengerDep) -> Response:
    """The subscription check: echo the challenge only for our verify token."""
    params = request.query_params
    token = params.get("hub.verify_token") or ""
    expected = channel.settings.messenger_verify_token
    if params.get("hub.mode") != "subscribe" or not params.get("hub.challenge"):
        return Response("Not a subscription check.", status_code=400)
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return Response("Wrong verify token.", status_code=403)
    return PlainTextResponse(params["hub.challenge"])


@router.post("/messenger/webhook", include_in_schema=False)
async def messenger_webhook(request: Request, channel: MessengerDep) -> Response:
    raw = await request.body()
    checked = channel.verify(raw, request.headers.get(SIGNATURE_HEADER))
    if isinstance(checked, tuple):
        status, reason = checked
        return Response(reason, status_code=status)
    await channel.receive(checked)
    return Response(status_code=200)


def install(app: FastAPI, wiring: Wiring) -> None:
    if not wiring.settings.messenger_page_token:
        return
    channel = MessengerChannel(wiring.hub, wiring.core)
    wiring.keep("messenger", channel)
    wiring.hub.deliverers[CHANNEL] = channel.deliver
    wiring.shutdown.append(channel.stop)
    app.include_router(router)
    platform.install_shared(app, wiring)
