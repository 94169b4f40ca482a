"""Zalo Official Account channel: customers write to the bank's OA on Zalo, and their
messages go through the same intake, routing, hand-off and outbox as the widget's.

Usage:
    TANDEM_ZALO_APP_ID=... TANDEM_ZALO_OA_SECRET_KEY=... TANDEM_ZALO_APP_SECRET=... \\
    TANDEM_ZALO_ACCESS_TOKEN=... TANDEM_ZALO_REFRESH_TOKEN=... tandem hub
    and register https://<hub>/zalo/webhook as the OA's webhook (README, "Zalo and
    Messenger").

Inbound: Zalo POSTs one JSON event per call and wants a 200 within 2 s, retries otherwise,
and turns off a webhook that keeps failing. So the event is verified, stored with its work
item, and acknowledged; the answer goes out later through the outbox. The signature header
``X-ZEvent-Signature: mac=<hex>`` is a plain SHA-256 of app id + raw body + timestamp +
OA secret key (not an HMAC); an event whose signed timestamp is outside the replay window
is refused, and a redelivered one is stored once (dedupe on ``message.msg_id``).

Outbound: a consultation message (``/v3.0/oa/message/cs``) with the ``access_token``
header, inside the 48-hour / 8-reply window (bot/pipeline/windows.py). An expired token is
refreshed once across replicas (bot/pipeline/tokens.py) and the send retried.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel, StrictInt, StrictStr, ValidationError

from bot.access.deps import part_of
from bot.channels import platform
from bot.config.settings import Settings
from bot.core import Core
from bot.i18n.inbound import InvalidMessage
from bot.i18n.texts import text as hub_text
from bot.pipeline import windows
from bot.pipeline.intake import Inbound
from bot.pipeline.outbox import DeliveryDeferred, DeliveryRefused
from bot.pipeline.threads import Recipient
from bot.pipeline.throttle import RateLimited
from bot.pipeline.tokens import TokenPair, TokenStore, TokenUnavailable
from bot.wiring import Wiring

log = logging.getLogger(__name__)

CHANNEL = "zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_ZALO_TEXT = 2000
# Events that carry no text: stored as "[kind]" for the agent and answered by the hub.
ATTACHMENTS = {
    "user_send_image": "image",
    "user_send_gif": "gif",
    "user_send_sticker": "sticker",
    "user_send_file": "file",
    "user_send_location": "location",
    "user_send_link": "link",
    "user_send_audio": "audio",
    "user_send_video": "video",
    "user_send_business_card": "business card",
}
# Zalo's error codes, as the OA API documents them: the token is invalid or expired; the
# user cannot be messaged now (outside the interaction window, or not reachable); too many
# requests.
TOKEN_ERRORS = {-216, -124, -220}
WINDOW_ERRORS = {-213, -230, -232}
RATE_ERRORS = {-32, -40}
RATE_RETRY_S = 30.0

TEXTS = {
    "too_long": {
        "vi": "Tin nhắn dài quá, bạn vui lòng chia thành vài tin ngắn hơn nhé.",
        "en": "That message is too long; please split it into a few shorter ones.",
    },
    "empty": {
        "vi": "Mình chưa thấy nội dung nào trong tin nhắn. Bạn gõ lại giúp mình nhé.",
        "en": "That message looks empty. Could you type it again?",
    },
}


class _Party(BaseModel):
    id: StrictStr


class _ZMessage(BaseModel):
    msg_id: StrictStr | None = None
    text: StrictStr | None = None


class ZaloEvent(BaseModel):
    """The parts of an event the channel relies on; anything else is a clear 400."""

    app_id: StrictStr
    event_name: StrictStr
    timestamp: StrictStr | StrictInt
    sender: _Party | None = None
    recipient: _Party | None = None
    message: _ZMessage | None = None


def signature(app_id: str, raw: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Zalo's mac: SHA-256 over the concatenation, in hex (the body exactly as received)."""
    data = app_id.encode() + raw + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(data).hexdigest()


class ZaloChannel:
    def __init__(
        self,
        hub: platform.PlatformHub,
        core: Core,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.hub = hub  # intake and background jobs
        self.core = core  # windows, reports and the token row
        self.settings = settings = core.settings
        self.http = httpx.AsyncClient(timeout=15, transport=transport)
        self.tokens = TokenStore(
            core.db,
            CHANNEL,
            self._refresh,
            seed=(settings.zalo_access_token, settings.zalo_refresh_token),
        )
        # When each user was last told they send too fast: one notice per wait.
        self._limited_until: dict[str, float] = {}

    async def stop(self) -> None:
        await self.http.aclose()

    # -- inbound ------------------------------------------------------------------------------
    def verify(self, raw: bytes, given: str | None) -> tuple[int, str] | ZaloEvent:
        """The event, or the status and reason it is refused with."""
        if not given:
            return 401, "Missing signature."
        try:
            data = json.loads(raw)
            event = ZaloEvent.model_validate(data)
        except (ValueError, RecursionError, ValidationError):
            return 400, "Not a Zalo event."
        secret = self.settings.zalo_oa_secret_key
        app_id = self.settings.zalo_app_id.encode()
        if not secret or not hmac.compare_digest(event.app_id.encode(), app_id):
            return 403, "Unknown app."
        mac = given.strip().removeprefix("mac=").strip().lower()
        expected = signature(event.app_id, raw, str(event.timestamp), secret)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return 403, "Wrong signature."
        try:
            sent_ms = int(event.timestamp)
        except ValueError:
            return 400, "The timestamp is not a number."
        if abs(time.time() * 1000 - sent_ms) > self.settings.zalo_replay_window_s * 1000:
            return 403, "Stale or replayed event."
        return event

    async def receive(self, event: ZaloEvent) -> None:
        """Store one verified event (customer messages only; receipts and the OA's own
        messages are not the customer's words)."""
        if not event.event_name.startswith("user_send_") or event.sender is None:
            return
        user = event.sender.id
        msg_id = event.message.msg_id if event.message else None
        if not msg_id:  # every message event has one; never store one twice without it
            msg_id = f"{event.event_name}:{user}:{event.timestamp}"
        kind = ATTACHMENTS.get(event.event_name)
        text = event.message.text if event.message and kind is None else None
        if kind is None and text is None:
            kind = event.event_name.removeprefix("user_send_").replace("_", " ")
        if kind is None and text is not None:
            text = await self._button_payload(user, text)
        inbound = Inbound(
            CHANNEL,
            user,
            f"[{kind}]" if kind else text,
            msg_id,
            attachment=kind,
        )
        try:
            await self.hub.receive(inbound)
        except InvalidMessage as exc:
            # Nothing was stored; the customer is told why, after the acknowledgement.
            key = "too_long" if exc.code == "too_long" else "empty"
            self.hub.spawn(self._notify(user, TEXTS[key]["vi"]))
        except RateLimited as exc:
            now = time.monotonic()
            if self._limited_until.get(user, 0.0) <= now:
                self._limited_until[user] = now + exc.retry_after
                notice = hub_text("rate_limited", "vi", seconds=exc.retry_after)
                self.hub.spawn(self._notify(user, notice))

    async def _button_payload(self, user: str, text: str) -> str:
        """A reply that is exactly one of the titles listed in the last message sent to
        this user stands for that button's payload (Zalo text has no tappable buttons)."""
        wanted = text.strip().casefold()
        for button in await windows.last_buttons(self.core, CHANNEL, user):
            if str(button.get("title", "")).strip().casefold() == wanted:
                return str(button.get("payload") or text)
        return text

    async def _notify(self, user: str, text: str) -> None:
        with contextlib.suppress(Exception):  # a courtesy: the message itself was refused
            await self._send(user, text)

    # -- outbound -----------------------------------------------------------------------------
    async def deliver(self, conv: Recipient, out: dict[str, Any]) -> None:
        """Send a stored reply, if the window still takes it (else DeliveryRefused)."""
        await windows.delivery_verdict(self.core, CHANNEL, conv.channel_key, out)
        language = conv.language if conv.language in ("vi", "en") else "vi"
        text = platform.outbound_text(out, language)
        buttons = out.get("buttons") or []
        if buttons:
            text += "\n" + "\n".join(f"• {b.get('title') or b.get('payload')}" for b in buttons)
        for part in platform.chunks(text, MAX_ZALO_TEXT):
            await self._send(conv.channel_key, part, out)

    async def _send(self, user: str, text: str, out: dict[str, Any] | None = None) -> None:
        try:
            token = await self.tokens.current()
        except TokenUnavailable as exc:
            raise DeliveryDeferred(str(exc), RATE_RETRY_S) from exc
        for attempt in range(2):
            response = await self.http.post(
                f"{self.settings.zalo_api_base}/v3.0/oa/message/cs",
                headers={"access_token": token},
                json={"recipient": {"user_id": user}, "message": {"text": text}},
            )
            if response.status_code == 429 or response.status_code >= 500:
                raise DeliveryDeferred(f"Zalo answered {response.status_code}", RATE_RETRY_S)
            response.raise_for_status()
            body = response.json()
            code = int(body.get("error", 0))
            if code == 0:
                return
            detail = f"Zalo error {code}: {body.get('message', '')}"
            if code in TOKEN_ERRORS and attempt == 0:
                try:
                    token = await self.tokens.refresh(stale=token)
                except TokenUnavailable as exc:
                    raise DeliveryDeferred(str(exc), RATE_RETRY_S) from exc
                continue
            if code in RATE_ERRORS:
                raise DeliveryDeferred(detail, RATE_RETRY_S)
            if code in WINDOW_ERRORS and out is not None:
                explanation = {"vi": f"Zalo từ chối tin nhắn ({detail}).", "en": detail}
                conv_id = int(out["conversation_id"])
                await windows.report_refused(self.core, conv_id, out, "platform", explanation)
                raise DeliveryRefused("platform", detail)
            raise RuntimeError(detail)

    async def _refresh(self, refresh_token: str) -> TokenPair:
        return await refresh_pair(self.http, self.settings, refresh_token)


async def refresh_pair(
    http: httpx.AsyncClient, settings: Settings, refresh_token: str
) -> TokenPair:
    """Zalo's OAuth refresh: the app secret in the ``secret_key`` header, a form body."""
    response = await http.post(
        f"{settings.zalo_oauth_base}/v4/oa/access_token",
        headers={"secret_key": settings.zalo_app_secret},
        data={
            "app_id": settings.zalo_app_id,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    )
    response.raise_for_status()
    body = response.json()
    if not body.get("access_token") or not body.get("refresh_token"):
        raise RuntimeError(f"Zalo refused the refresh: {body.get('error_name') or body}")
    expires = body.get("expires_in")
    return TokenPair(
        str(body["access_token"]), str(body["refresh_token"]), float(expires) if expires else None
    )


router = APIRouter(tags=["zalo"])


# The channel ``install`` below keeps on the application.
ZaloDep = Annotated[ZaloChannel, Depends(part_of("zalo", ZaloChannel))]


@router.post("/zalo/webhook", include_in_schema=False)
async def zalo_webhook(request: Request, channel: ZaloDep) -> Response:
    """Zalo's webhook: verified, stored, acknowledged; answered later by the outbox."""
    raw = await request.body()
    checked = channel.verify(raw, request.headers.get(SIGNATURE_HEADER))
    if isinstance(checked, tuple):
        status, reason = checked
        return Response(reason, status_code=status)
    await channel.receive(checked)
    return Response(status_code=200)


def install(app: FastAPI, wiring: Wiring) -> None:
    if not wiring.settings.zalo_app_id:
        return
    channel = ZaloChannel(wiring.hub, wiring.core)
    wiring.keep("zalo", channel)
    wiring.hub.deliverers[CHANNEL] = channel.deliver
    wiring.shutdown.append(channel.stop)
    app.include_router(router)
    platform.install_shared(app, wiring)
