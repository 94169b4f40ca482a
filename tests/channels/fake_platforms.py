"""Small local servers speaking Zalo's OA API and Facebook's Graph API, for tests.

Each records what the hub sends, answers like the real platform (error bodies included),
and calls the hub's webhook the way the platform does, signed like the real one: Zalo with
``X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key)``, Facebook
with ``X-Hub-Signature-256: sha256=HMAC-SHA256(body, app secret)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.stack import free_port

ZALO_APP_ID = "1234567890123456789"
ZALO_OA_ID = "579745863508352884"
ZALO_OA_SECRET = "zalo-oa-secret-key-for-tests-0123"
ZALO_APP_SECRET = "zalo-app-secret-for-tests-456789"
GRAPH_APP_SECRET = "graph-app-secret-for-tests-abcdef"
GRAPH_VERIFY_TOKEN = "graph-verify-token-for-tests-9876"
GRAPH_PAGE_TOKEN = "EAAGraphPageTokenForTests0123456789"
PAGE_ID = "106000000000001"
_ids = itertools.count(1)


class _Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self._server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def start(self) -> Any:
        config = uvicorn.Config(
            Starlette(routes=self.routes()),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("fake platform did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


def wait_until(what: Any, timeout_s: float = 60, message: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message or "condition not met in time")


# -- Zalo ------------------------------------------------------------------------------------------
def zalo_signature(raw: bytes, timestamp: str, secret: str = ZALO_OA_SECRET) -> str:
    return hashlib.sha256(
        ZALO_APP_ID.encode() + raw + timestamp.encode() + secret.encode()
    ).hexdigest()


def zalo_event(
    user: str,
    text: str | None = None,
    *,
    event_name: str = "user_send_text",
    msg_id: str | None = None,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """An event as Zalo sends it (the timestamp is a string of milliseconds)."""
    message: dict[str, Any] = {"msg_id": msg_id or f"zmsg{next(_ids):08d}"}
    if text is not None:
        message["text"] = text
    if event_name == "user_send_sticker":
        message["attachments"] = [{"type": "sticker", "payload": {"id": "abc", "url": "x"}}]
    return {
        "app_id": ZALO_APP_ID,
        "user_id_by_app": f"app-{user}",
        "event_name": event_name,
        "timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
        "sender": {"id": user},
        "recipient": {"id": ZALO_OA_ID},
        "message": message,
    }


@dataclass
class FakeZaloApi(_Server):
    """The OA message API and the OAuth refresh, with one valid access token at a time
    and a single-use refresh token."""

    access_token: str = "zalo-access-0"
    refresh_token: str = "zalo-refresh-0"
    refresh_delay_s: float = 0.0
    sent: list[dict[str, Any]] = field(default_factory=list)
    refreshes: list[dict[str, Any]] = field(default_factory=list)
    # Error code to answer the next sends with (e.g. -230 outside the window), and how many.
    fail_code: int = 0
    fail_count: int = 0

    def __post_init__(self) -> None:
        _Server.__init__(self)
        self._generation = 0

    def routes(self) -> list[Route]:
        return [
            Route("/v3.0/oa/message/cs", self._send, methods=["POST"]),
            Route("/v4/oa/access_token", self._refresh, methods=["POST"]),
        ]

    async def _send(self, request: Request) -> JSONResponse:
        body = await request.json()
        token = request.headers.get("access_token")
        with self.lock:
            if token != self.access_token:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            if self.fail_count > 0:
                self.fail_count -= 1
                return JSONResponse({"error": self.fail_code, "message": "refused for test"})
            self.sent.append({"token": token, **body})
            return JSONResponse(
                {"data": {"message_id": f"oa{len(self.sent)}"}, "error": 0, "message": "Success"}
            )

    async def _refresh(self, request: Request) -> JSONResponse:
        form = await request.form()
        if request.headers.get("secret_key") != ZALO_APP_SECRET:
            return JSONResponse({"error": -14014, "error_name": "Invalid secret key"})
        await asyncio.sleep(self.refresh_delay_s)  # widens the window two refreshers race in
        with self.lock:
            self.refreshes.append(dict(form))
            if form.get("refresh_token") != self.refresh_token or form.get("app_id") != ZALO_APP_ID:
                return JSONResponse({"error": -14020, "error_name": "Invalid refresh token"})
            self._generation += 1
            self.access_token = f"zalo-access-{self._generation}"
            self.refresh_token = f"zalo-refresh-{self._generation}"  # the old one is spent
            return JSONResponse(
                {
                    "access_token": self.access_token,
                    "refresh_token": self.refresh_token,
                    "expires_in": "90000",
                }
            )

    def expire_token(self) -> None:
        """Zalo stops accepting the current access token (it ran out)."""
        with self.lock:
            self.access_token = f"zalo-access-unknown-{time.time()}"

    def texts(self, user: str) -> list[str]:
        with self.lock:
            return [m["message"]["text"] for m in self.sent if m["recipient"]["user_id"] == user]

    def wait_texts(self, user: str, count: int, timeout_s: float = 60) -> list[str]:
        return list(
            wait_until(
                lambda: (t := self.texts(user)) and len(t) >= count and t,
                timeout_s,
                f"Zalo user {user} got {self.texts(user)}, expected {count} messages",
            )
        )

    @staticmethod
    def post_event(
        hub_url: str,
        event: dict[str, Any],
        *,
        secret: str = ZALO_OA_SECRET,
        mac: str | None = None,
        raw: bytes | None = None,
    ) -> httpx.Response:
        """POST an event as Zalo does: the body signed with the timestamp inside it."""
        raw = raw if raw is not None else json.dumps(event, ensure_ascii=False).encode()
        mac = mac if mac is not None else zalo_signature(raw, str(event["timestamp"]), secret)
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}
        return httpx.post(f"{hub_url}/zalo/webhook", content=raw, headers=headers, timeout=30)


# -- Facebook Graph --------------------------------------------------------------------------
def graph_signature(raw: bytes, secret: str = GRAPH_APP_SECRET) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def messenger_text(psid: str, text: str, mid: str | None = None) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now,
                        "message": {"mid": mid or f"m_{next(_ids):010d}", "text": text},
                    }
                ],
            }
        ],
    }


@dataclass
class FakeGraphApi(_Server):
    """The Send API: records each call; answers errors like Graph when told to."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_error: dict[str, Any] | None = None
    fail_count: int = 0

    def __post_init__(self) -> None:
        _Server.__init__(self)

    def routes(self) -> list[Route]:
        return [Route("/me/messages", self._send, methods=["POST"])]

    async def _send(self, request: Request) -> JSONResponse:
        if request.query_params.get("access_token") != GRAPH_PAGE_TOKEN:
            error = {
                "message": "Invalid OAuth access token.",
                "type": "OAuthException",
                "code": 190,
            }
            return JSONResponse({"error": error}, 400)
        body = await request.json()
        with self.lock:
            if self.fail_count > 0 and self.fail_error is not None:
                self.fail_count -= 1
                return JSONResponse({"error": self.fail_error}, 400)
            self.sent.append(body)
        return JSONResponse({"recipient_id": body["recipient"]["id"], "message_id": "m_out"})

    def calls(self, psid: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.sent if c["recipient"]["id"] == psid]

    def wait_calls(self, psid: str, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        return list(
            wait_until(
                lambda: (c := self.calls(psid)) and len(c) >= count and c,
                timeout_s,
                f"PSID {psid} got {self.calls(psid)}, expected {count} messages",
            )
        )

    @staticmethod
    def post_event(
        hub_url: str, event: dict[str, Any], *, secret: str = GRAPH_APP_SECRET
    ) -> httpx.Response:
        raw = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": f"sha256={graph_signature(raw, secret)}",
        }
        return httpx.post(f"{hub_url}/messenger/webhook", content=raw, headers=headers, timeout=30)
