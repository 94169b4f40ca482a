"""Telegram channel (python-telegram-bot): customers chat with the bank's Telegram bot, and
their messages go through the same intake, routing, hand-off and storage as the widget.

Usage:
    Webhook, inside the hub's ASGI app (production):
        TANDEM_TELEGRAM_MODE=webhook TANDEM_TELEGRAM_TOKEN=... \\
        TANDEM_TELEGRAM_WEBHOOK_SECRET=... \\
        TANDEM_TELEGRAM_WEBHOOK_URL=https://hub.example/telegram/webhook \\
        tandem hub
    Polling, for local development without a public address:
        TANDEM_TELEGRAM_TOKEN=... .venv/bin/python -m bot.channels.telegram_polling

Telegram's ``update_id`` is the message's channel id, so the hub's idempotent intake stores
a redelivered update once and never answers it twice. A webhook update is stored, with its
work item, before the request is answered: if the hub fails first, Telegram redelivers
instead of the update being lost. Answers go out through the hub's outbox (``deliver``).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel, Field, StrictInt, StrictStr, ValidationError
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.access.deps import part_of
from bot.config.settings import Settings
from bot.i18n.inbound import InvalidMessage
from bot.i18n.texts import text as hub_text
from bot.pipeline.intake import Inbound
from bot.pipeline.threads import ChannelHub, Recipient
from bot.pipeline.throttle import RateLimited
from bot.wiring import Wiring

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MAX_TELEGRAM_TEXT = 4096
# Telegram commands mapped to what the dialogue model understands.
COMMANDS = {"start": "/greet", "nhanvien": "/request_human", "human": "/request_human"}

TEXTS = {
    "too_long": {
        "vi": "Tin nhắn dài quá, bạn vui lòng chia thành vài tin ngắn hơn nhé.",
        "en": "That message is too long; please split it into a few shorter ones.",
    },
    "empty": {
        "vi": "Mình chưa thấy nội dung nào trong tin nhắn. Bạn gõ lại giúp mình nhé.",
        "en": "That message looks empty. Could you type it again?",
    },
    "agent": {"vi": "nhân viên", "en": "adviser"},
    "group": {
        "vi": "Mình chỉ hỗ trợ trong cuộc trò chuyện riêng, để thông tin của bạn không lộ ra "
        "nhóm. Bạn nhắn riêng cho mình nhé.",
        "en": "I can only help in a private chat, so your details are not shared with a "
        "group. Please message me directly.",
    },
}


class _Chat(BaseModel):
    id: StrictInt
    type: StrictStr


class _Message(BaseModel):
    message_id: StrictInt
    date: StrictInt
    chat: _Chat
    text: StrictStr | None = None


class _CallbackQuery(BaseModel):
    id: StrictStr
    from_: dict[str, Any] = Field(alias="from")
    data: StrictStr | None = None
    message: _Message | None = None


class _UpdateShape(BaseModel):
    """The parts of an update the handlers rely on. Checked before python-telegram-bot
    parses it, so a malformed update (a message that is a string, no chat, numeric text)
    is a clear 400 rather than a handler failure that Telegram would retry for ever."""

    update_id: StrictInt
    message: _Message | None = None
    callback_query: _CallbackQuery | None = None


router = APIRouter(tags=["telegram"])


def language_of(user: User | None) -> str | None:
    code = (user.language_code or "").lower() if user else ""
    return code[:2] if code[:2] in ("vi", "en") else None


def command_text(text: str) -> str:
    """Map Telegram commands (``/start``, ``/start@SenVangBot``) to dialogue payloads."""
    if not text.startswith("/"):
        return text
    command = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()
    return COMMANDS.get(command, text)


def keyboard(out: dict[str, Any]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard; callback data points at the stored message, because
    Telegram caps it at 64 bytes and payloads can be longer."""
    buttons = out.get("buttons") or []
    if not buttons:
        return None
    keys = [
        InlineKeyboardButton(
            str(b.get("title") or b.get("payload")), callback_data=f"m{out['id']}:{i}"
        )
        for i, b in enumerate(buttons)
    ]
    per_row = 3 if all(len(k.text) <= 8 for k in keys) else 1
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])


def outbound_text(out: dict[str, Any], language: str) -> str:
    """Plain text (no parse mode, so nothing is read as markup); agents are named."""
    text = str(out["text"])
    if out.get("sender") == "agent":
        name = out.get("agent_name") or TEXTS["agent"][language].capitalize()
        return f"👤 {name} ({TEXTS['agent'][language]}):\n{text}"
    if out.get("sender") == "system":
        return f"ℹ️ {text}"
    return text


def chunks(text: str, size: int = MAX_TELEGRAM_TEXT) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def attachment_kind(update: Update) -> str:
    message = update.effective_message
    if message is None:
        return "update"
    for kind in (
        "sticker",
        "photo",
        "voice",
        "audio",
        "video",
        "video_note",
        "document",
        "animation",
        "location",
        "contact",
        "poll",
    ):
        if getattr(message, kind, None):
            return kind
    return "non-text message"


class TelegramChannel:
    """Wires one python-telegram-bot Application to the hub."""

    def __init__(self, hub: ChannelHub, settings: Settings) -> None:
        self.hub = hub
        self.settings = settings
        builder = Application.builder().token(settings.telegram_token)
        builder = builder.base_url(settings.telegram_base_url)
        if settings.telegram_mode == "webhook":
            builder = builder.updater(None)  # updates arrive through our own ASGI route
        self.application = builder.build()
        self.application.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self.on_text)
        )
        self.application.add_handler(CallbackQueryHandler(self.on_button))
        self.application.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT, self.on_other)
        )
        self.application.add_error_handler(self.on_error)
        self._failed: set[int] = set()
        self._refused_chats: set[int] = set()
        # When each chat was last told it sends too fast: one notice per wait, not one per
        # refused message (a flood must not become a flood of replies).
        self._limited_until: dict[int, float] = {}

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        app = self.application
        await app.initialize()
        if self.settings.telegram_mode == "polling" and app.updater is not None:
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        elif self.settings.telegram_webhook_url:
            await app.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        await app.start()

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    # -- inbound ------------------------------------------------------------------------------
    async def process(self, update: Update) -> bool:
        """Run one update through the handlers; False when it failed and should be retried."""
        await self.application.process_update(update)
        if update.update_id in self._failed:
            self._failed.discard(update.update_id)
            return False
        return True

    async def _private_chat(self, update: Update) -> Chat | None:
        """The chat, when it is one customer's private chat. A group, supergroup or channel
        is not one customer: nothing from it is routed, and it is told so once."""
        chat = update.effective_chat
        if chat is None:
            return None
        if chat.type == Chat.PRIVATE:
            return chat
        if chat.id not in self._refused_chats:
            self._refused_chats.add(chat.id)
            language = language_of(update.effective_user) or "vi"
            with contextlib.suppress(TelegramError):
                await self.application.bot.send_message(chat.id, TEXTS["group"][language])
        return None

    async def _receive(self, update: Update, text: str) -> None:
        chat = await self._private_chat(update)
        if chat is None:
            return
        inbound = Inbound(
            channel=CHANNEL,
            channel_key=str(chat.id),
            text=text,
            channel_message_id=str(update.update_id),
            language=language_of(update.effective_user),
        )
        try:
            await self.hub.receive(inbound)
        except InvalidMessage as exc:
            # Nothing was stored; tell the customer why instead of failing silently.
            key = "too_long" if exc.code == "too_long" else "empty"
            language = inbound.language or "vi"
            await self.application.bot.send_message(chat.id, TEXTS[key][language])
        except RateLimited as exc:
            await self._refused(chat.id, inbound.language, exc)

    async def _refused(self, chat_id: int, language: str | None, exc: RateLimited) -> None:
        """Tell a chat that sends too fast that its message was not received (Telegram
        is answered 200 either way: retrying the update would only add to the flood)."""
        now = time.monotonic()
        if self._limited_until.get(chat_id, 0.0) > now:
            return
        if len(self._limited_until) > 10_000:  # forget chats whose wait is over
            self._limited_until = {c: t for c, t in self._limited_until.items() if t > now}
        self._limited_until[chat_id] = now + exc.retry_after
        notice = hub_text("rate_limited", language or "vi", seconds=exc.retry_after)
        with contextlib.suppress(TelegramError):
            await self.application.bot.send_message(chat_id, notice)

    async def on_text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A customer's text message: into the hub like any channel's."""
        message = update.effective_message
        if message is None or not isinstance(message.text, str):
            return
        await self._receive(update, command_text(message.text))

    async def on_button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on an inline button: its payload goes in as the customer's message."""
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):  # a redelivered, expired query: still store it
            await query.answer()
        chat = await self._private_chat(update)
        if chat is None:
            return
        payload = await self._button_payload(query.data or "", str(chat.id))
        if payload is not None:
            await self._receive(update, payload)

    async def _button_payload(self, data: str, chat_key: str) -> str | None:
        try:
            message_id, index = (int(part) for part in data.removeprefix("m").split(":", 1))
        except ValueError:
            return None
        return await self.hub.threads.button_payload(CHANNEL, chat_key, message_id, index)

    async def on_other(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice notes: kept for the agent, and the customer is asked for text."""
        chat = await self._private_chat(update)
        if chat is None:
            return
        kind = attachment_kind(update)
        inbound = Inbound(
            CHANNEL,
            str(chat.id),
            f"[{kind}]",
            str(update.update_id),
            language=language_of(update.effective_user),
            attachment=kind,
        )
        try:
            await self.hub.receive(inbound)
        except RateLimited as exc:
            await self._refused(chat.id, inbound.language, exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log a failed update and mark it, so the webhook answers 500 and Telegram retries."""
        log.error("Telegram update failed", exc_info=context.error)
        if isinstance(update, Update):
            self._failed.add(update.update_id)

    # -- outbound -----------------------------------------------------------------------------
    async def deliver(self, conv: Recipient, out: dict[str, Any]) -> None:
        """Send a stored bot, agent or hub message to the customer's chat."""
        language = conv.language if conv.language in ("vi", "en") else "vi"
        parts = chunks(outbound_text(out, language))
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await self.application.bot.send_message(
                chat_id=int(conv.channel_key),
                text=part,
                reply_markup=keyboard(out) if last else None,
            )


# The channel ``install`` below keeps on the application.
TelegramDep = Annotated[TelegramChannel, Depends(part_of("telegram", TelegramChannel))]


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request, channel: TelegramDep) -> Response:
    """Telegram's webhook: only requests carrying the secret set with setWebhook count."""
    given = request.headers.get(SECRET_HEADER)
    if not given:
        return Response("Missing secret token.", status_code=401)
    secret = channel.settings.telegram_webhook_secret
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return Response("Wrong secret token.", status_code=403)
    try:
        data = await request.json()
        _UpdateShape.model_validate(data)
        update = Update.de_json(data, channel.application.bot)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, ValidationError):
        update = None
    if update is None:
        return Response("Not a Telegram update.", status_code=400)
    ok = await channel.process(update)
    return Response(status_code=200 if ok else 500)


def install(app: FastAPI, wiring: Wiring) -> None:
    settings = wiring.settings
    if settings.telegram_mode == "off" or not settings.telegram_token:
        return
    channel = TelegramChannel(wiring.hub, settings)
    wiring.keep("telegram", channel)
    wiring.hub.deliverers[CHANNEL] = channel.deliver
    wiring.startup.append(channel.start)
    wiring.shutdown.append(channel.stop)
    if settings.telegram_mode == "webhook":
        app.include_router(router)
