"""The soak's customers on webhook channels: Telegram, Zalo OA and Messenger.

Each platform posts a customer's message to the hub's webhook, signed as the platform
signs it, and retries until the hub answers 2xx (as every one of them does); the hub's
replies go out to a local server speaking the platform's API (tests/channels/), which
notes when each user was sent what. One customer class drives all three: only how a
message is posted and where the replies are read differ.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from typing import Any

import httpx
from soak_clients import AGENT_TEXT_STARTS, RETRY_S, Sent, Shared, notice_kind, think
from starlette.requests import Request
from starlette.responses import JSONResponse

from tests.channels.fake_bot_api import FakeBotApi
from tests.channels.fake_platforms import (
    FakeGraphApi,
    FakeZaloApi,
    graph_signature,
    messenger_text,
    zalo_event,
    zalo_signature,
)

TELEGRAM_SECRET = "soak-telegram-webhook-secret-0123"
_ids = itertools.count(10_000_000)
_ids_lock = threading.Lock()


def next_id() -> int:
    with _ids_lock:
        return next(_ids)


class _Times:
    """When each user was sent which text, kept by the platform servers below."""

    def __init__(self) -> None:
        self.times: dict[str, list[tuple[float, str]]] = {}
        self.times_lock = threading.Lock()

    def note(self, user: str, text: str) -> None:
        with self.times_lock:
            self.times.setdefault(user, []).append((time.monotonic(), text))

    def sent_times(self, user: str) -> list[tuple[float, str]]:
        with self.times_lock:
            return list(self.times.get(user, []))


class TimedBotApi(FakeBotApi, _Times):
    """The local Bot API (Telegram)."""

    def __init__(self) -> None:
        FakeBotApi.__init__(self)
        _Times.__init__(self)

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = super()._m_sendMessage(params)
        self.note(str(params["chat_id"]), str(params.get("text", "")))
        return result


class _TimedSends(_Times):
    """For the fake platform servers that record what they accept in ``sent``."""

    sent: list[dict[str, Any]]
    lock: threading.Lock

    async def _timed(self, send: Any, request: Request, user_of: Any) -> JSONResponse:
        before = len(self.sent)
        response: JSONResponse = await send(request)
        with self.lock:
            accepted = self.sent[before:]
        for body in accepted:
            self.note(str(user_of(body)), str(body["message"].get("text", "")))
        return response


class TimedZaloApi(FakeZaloApi, _TimedSends):
    """The local Zalo OA message API."""

    def __post_init__(self) -> None:
        FakeZaloApi.__post_init__(self)
        _Times.__init__(self)

    async def _send(self, request: Request) -> JSONResponse:
        return await self._timed(super()._send, request, lambda b: b["recipient"]["user_id"])


class TimedGraphApi(FakeGraphApi, _TimedSends):
    """The local Graph Send API (Messenger)."""

    def __post_init__(self) -> None:
        FakeGraphApi.__post_init__(self)
        _Times.__init__(self)

    async def _send(self, request: Request) -> JSONResponse:
        return await self._timed(super()._send, request, lambda b: b["recipient"]["id"])


class WebhookCustomer:
    """Posts each message until the hub answers 2xx, then watches the platform server for
    the first reply sent to this user after it."""

    channel = ""

    def __init__(self, shared: Shared, n: int, script: list[str], api: _Times) -> None:
        self.shared, self.n, self.script, self.api = shared, n, script, api
        self.rng = random.Random(n)

    @property
    def user(self) -> str:
        raise NotImplementedError

    def post(self, http: httpx.Client, key: str, text: str) -> httpx.Response:
        """Deliver one message as the platform does; ``key`` is its platform id."""
        raise NotImplementedError

    def run(self) -> None:
        http = httpx.Client(base_url=self.shared.hub_url, timeout=60)
        for text in self.script:
            if self.shared.left() <= 0:
                return
            key = self.key(next_id())
            sent = self.shared.add(Sent(key, self.channel, self.n, text))
            sent.t_sent, sent.wall_sent = time.monotonic(), time.time()
            while not sent.acked and self.shared.left() > 0:
                try:
                    response = self.post(http, key, text)
                    self.shared.status(response.status_code)
                    if response.status_code < 300:
                        sent.acked = True
                        self.shared.acked()
                        continue
                except httpx.HTTPError:
                    self.shared.error(self.channel)
                time.sleep(RETRY_S)
            self.wait_reply(sent)
            think(self.shared, self.rng)

    def key(self, number: int) -> str:
        return str(number)

    def wait_reply(self, sent: Sent) -> None:
        until = time.monotonic() + min(self.shared.reply_wait_s, max(0.0, self.shared.left()))
        while sent.acked and time.monotonic() < until:
            for at, text in self.api.sent_times(self.user):
                if at < sent.t_sent:
                    continue
                # The platform does not say who wrote it: the agents' text is known, and
                # so are the hub's notices; anything else is the bot's.
                if text.startswith(AGENT_TEXT_STARTS):
                    sender = "agent"
                else:
                    sender = "system" if notice_kind(text) != "other" else "bot"
                sent.see(sender, text)
                if sent.t_reply is not None:
                    sent.t_reply = at
                    return
            time.sleep(0.05)


class TelegramCustomer(WebhookCustomer):
    channel = "telegram"

    @property
    def user(self) -> str:
        return str(800_000_000 + self.n)

    def post(self, http: httpx.Client, key: str, text: str) -> httpx.Response:
        chat = {"id": int(self.user), "type": "private", "first_name": "Khách"}
        update = {
            "update_id": int(key),
            "message": {
                "message_id": int(key),
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": int(self.user), "is_bot": False, "first_name": "Khách"},
                "text": text,
            },
        }
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        return http.post("/telegram/webhook", json=update, headers=headers)


class ZaloCustomer(WebhookCustomer):
    channel = "zalo"

    @property
    def user(self) -> str:
        return f"{7_300_000_000 + self.n}"

    def key(self, number: int) -> str:
        return f"zsoak{number}"

    def __init__(self, shared: Shared, n: int, script: list[str], api: _Times) -> None:
        super().__init__(shared, n, script, api)
        self.events: dict[str, dict[str, Any]] = {}

    def post(self, http: httpx.Client, key: str, text: str) -> httpx.Response:
        # A retry is the same event, as Zalo redelivers it: same id, same timestamp.
        event = self.events.setdefault(key, zalo_event(self.user, text, msg_id=key))
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = zalo_signature(raw, str(event["timestamp"]))
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}
        return http.post("/zalo/webhook", content=raw, headers=headers)


class MessengerCustomer(WebhookCustomer):
    channel = "messenger"

    @property
    def user(self) -> str:
        return f"{26_000_000_000_000 + self.n}"

    def key(self, number: int) -> str:
        return f"m_soak{number}"

    def post(self, http: httpx.Client, key: str, text: str) -> httpx.Response:
        raw = json.dumps(messenger_text(self.user, text, mid=key)).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": f"sha256={graph_signature(raw)}",
        }
        return http.post("/messenger/webhook", content=raw, headers=headers)
