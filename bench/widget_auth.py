"""How a widget session token travels, for the bench clients: the one place to adapt when
the widget API changes (bench/soak_clients.py and bench/suggestion_latency.py use it)."""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import ClientConnection


class WidgetAuth:
    """How the widget's session token travels; the one place to adapt to the widget API.

    mode "query": in the request body and as `?token=` (the widget API before its change);
    "bearer" (default, the current API): an `Authorization: Bearer` header, and a first
    websocket frame `{"type": "auth", "token": ...}`; "both": both ways at once.
    """

    def __init__(self, token: str, mode: str = "bearer") -> None:
        self.token, self.mode = token, mode

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.mode != "query" else {}

    def body(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "token": self.token} if self.mode != "bearer" else payload

    def params(self) -> dict[str, str]:
        return {"token": self.token} if self.mode != "bearer" else {}

    def ws_url(self, hub_url: str) -> str:
        url = hub_url.replace("http://", "ws://") + "/api/widget/ws"
        return f"{url}?token={self.token}" if self.mode != "bearer" else url

    def ws_hello(self, ws: ClientConnection) -> None:
        if self.mode != "query":
            ws.send(json.dumps({"type": "auth", "token": self.token}))
