"""A small local server speaking the Telegram Bot API, for tests.

python-telegram-bot is pointed at it through ``base_url``; it answers the methods the bot
calls (getMe, sendMessage, setWebhook, deleteWebhook, answerCallbackQuery, getUpdates,
and a few harmless others), and records every call so tests can see what customers got.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.stack import free_port

TOKEN = "123456:TEST-fake-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Sen Vàng",
    "username": "SenVangTestBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    port: int = field(default_factory=free_port)
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: uvicorn.Server | None = None
    _message_id: int = 1000

    @property
    def base_url(self) -> str:
        """What TANDEM_TELEGRAM_BASE_URL should be: the bot token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests look at ---------------------------------------------------------------------
    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                c.params
                for c in self.calls
                if c.method == "sendMessage"
                and (chat_id is None or int(c.params["chat_id"]) == chat_id)
            ]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    def wait_sent(self, chat_id: int, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            messages = self.sent(chat_id)
            if len(messages) >= count:
                return messages
            time.sleep(0.1)
        raise AssertionError(f"chat {chat_id} got {self.sent(chat_id)}, expected {count} messages")

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._lock:
            self.updates.append(update)

    # -- the Bot API ------------------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        params = await _params(request)
        with self._lock:
            self.calls.append(Call(method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, 404
            )
        result = handler(params)
        if hasattr(result, "__await__"):
            result = await result
        return JSONResponse({"ok": True, "result": result})

    def _m_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat_id = int(params["chat_id"])
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_setWebhook(self, _: dict[str, Any]) -> bool:
        return True

    def _m_deleteWebhook(self, _: dict[str, Any]) -> bool:
        return True

    def _m_answerCallbackQuery(self, _: dict[str, Any]) -> bool:
        return True

    def _m_setMyCommands(self, _: dict[str, Any]) -> bool:
        return True

    def _m_getWebhookInfo(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        import asyncio

        offset = int(params.get("offset") or 0)
        # Long polling, kept short so tests and shutdown stay quick.
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeBotApi:
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("fake Bot API did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


async def _params(request: Request) -> dict[str, Any]:
    """Bot API parameters arrive as JSON, a form, or a query string; nested ones as JSON text."""
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        body = await request.body()
        params.update(json.loads(body) if body else {})
    elif content_type:
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key, value in list(params.items()):
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params
