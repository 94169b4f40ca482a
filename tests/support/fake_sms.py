"""A small local SMS gateway for tests and benchmarks: it accepts what the hub's SMS sender
posts (`{"to": phone, "text": ...}`) and keeps it, so a test reads the one-time code the
customer would have received."""

from __future__ import annotations

import re
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

CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class FakeSmsGateway:
    port: int = field(default_factory=free_port)
    messages: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: uvicorn.Server | None = None

    @property
    def url(self) -> str:
        """What TANDEM_SMS_URL should be."""
        return f"http://127.0.0.1:{self.port}/sms"

    def sent_to(self, phone: str) -> list[str]:
        with self._lock:
            return [str(m["text"]) for m in self.messages if m.get("to") == phone]

    def wait_code(self, phone: str, count: int = 1, timeout_s: float = 60) -> str:
        """The one-time code in the `count`-th text to this phone, once it has arrived."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            texts = self.sent_to(phone)
            if len(texts) >= count:
                match = CODE.search(texts[count - 1])
                assert match, texts[count - 1]
                return match.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no text number {count} to {phone} within {timeout_s} s")

    async def _endpoint(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.messages.append(dict(body))
        return JSONResponse({"queued": True})

    def start(self) -> FakeSmsGateway:
        app = Starlette(routes=[Route("/sms", self._endpoint, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("fake SMS gateway did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
