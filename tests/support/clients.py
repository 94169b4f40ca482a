"""Small HTTP clients that play the customer (widget API) and the agent (agent API)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from tests.support.stack import DEMO_PASSWORD


class Customer:
    def __init__(self, hub_url: str, **identity: Any) -> None:
        self.http = httpx.Client(base_url=hub_url, timeout=60)
        body = {"site": "demo-bank", **identity}
        response = self.http.post("/api/widget/session", json=body)
        response.raise_for_status()
        self.token = response.json()["token"]
        # The widget token travels in a header, never in a URL.
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def say(self, text: Any, client_id: str | None = None) -> httpx.Response:
        return self.http.post(
            "/api/widget/messages", json={"text": text, "client_id": client_id or uuid.uuid4().hex}
        )

    def replies(self, text: Any, timeout_s: float = 120.0) -> list[dict[str, Any]]:
        """Say something and return the replies to it: from the response when they came in
        time, else from the history once they are stored (a busy machine can answer after
        the widget's HTTP wait has ended)."""
        body = self.say(text).json()
        if body.get("replies"):
            return list(body["replies"])
        msg_id = body["message"]["id"]
        return list(
            wait_for(
                lambda: [m for m in self.history()["messages"] if m.get("reply_to") == msg_id],
                timeout_s,
            )
        )

    def history(self) -> dict[str, Any]:
        response = self.http.get("/api/widget/history")
        response.raise_for_status()
        return response.json()

    def texts(self) -> list[tuple[str, str]]:
        return [(m["sender"], m["text"]) for m in self.history()["messages"]]


class Agent:
    def __init__(self, hub_url: str, username: str = "linh", password: str = DEMO_PASSWORD) -> None:
        self.http = httpx.Client(base_url=hub_url, timeout=30)
        response = self.http.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        response.raise_for_status()
        self.http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        self.user = response.json()["user"]

    def online(self, value: bool = True) -> None:
        self.http.post("/api/agents/me/status", json={"online": value}).raise_for_status()

    def queue(self) -> dict[str, Any]:
        response = self.http.get("/api/queue")
        response.raise_for_status()
        return response.json()

    def post(self, path: str, **body: Any) -> httpx.Response:
        return self.http.post(path, json=body)

    def conversation(self, conv_id: int) -> dict[str, Any]:
        response = self.http.get(f"/api/conversations/{conv_id}")
        response.raise_for_status()
        return response.json()


def wait_for(predicate: Any, timeout_s: float = 60.0, interval_s: float = 0.2) -> Any:
    """Poll until predicate() is truthy; returns its value or fails with the last value.

    The limit is generous on purpose: it only bounds a test that would otherwise hang, and
    a busy machine (other jobs on both cores) must not turn a slow pass into a failure."""
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s (last value: {value!r})")
