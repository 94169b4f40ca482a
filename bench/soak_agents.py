"""The agents the soak benchmark plays (bench/soak.py): each signs in to the panel API,
takes conversations from the queue and answers them; its customers are in soak_clients.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from soak_clients import AGENT_TEXT, RETRY_S, Shared


class AgentWorker:
    """Signs in, takes conversations from the queue (claims waiting ones, acknowledges ones
    pushed to it), answers each customer message once and, when told to finish, resolves
    what it holds."""

    def __init__(self, shared: Shared, username: str, password: str) -> None:
        self.shared, self.username, self.password = shared, username, password
        self.http = httpx.Client(base_url=shared.hub_url, timeout=30)
        self.replies = 0
        self.resolved = 0

    def _login(self) -> bool:
        try:
            response = self.http.post(
                "/api/auth/login", json={"username": self.username, "password": self.password}
            )
            self.shared.status(response.status_code)
            if response.status_code != 200:
                return False
            self.http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
            self.http.post("/api/agents/me/status", json={"online": True})
            return True
        except httpx.HTTPError:
            return False

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError:
            self.shared.error("agent")
            return None
        self.shared.status(response.status_code)
        if response.status_code == 401:  # the hub restarted or the session ended
            self._login()
        return response

    def run(self, stop: threading.Event, finish: Callable[[], bool]) -> None:
        while not self._login():
            if stop.wait(RETRY_S):
                return
        while not stop.is_set():
            self.work_once(resolve=finish())
            stop.wait(0.5)

    def work_once(self, resolve: bool = False) -> None:
        response = self._call("GET", "/api/queue")
        if response is None or response.status_code != 200:
            return
        body = response.json()
        for conv in body.get("waiting") or []:
            self._call("POST", f"/api/conversations/{conv['id']}/claim")
        for conv in body.get("mine") or []:
            if not conv.get("acknowledged"):
                self._call("POST", f"/api/conversations/{conv['id']}/ack")
            self._answer(conv["id"], conv.get("language") or "vi", resolve)

    def _answer(self, conv_id: int, language: str, resolve: bool) -> None:
        response = self._call("GET", f"/api/conversations/{conv_id}")
        if response is None or response.status_code != 200:
            return
        messages = response.json().get("messages") or []
        last_customer = max((m["seq"] for m in messages if m["sender"] == "customer"), default=0)
        last_agent = max((m["seq"] for m in messages if m["sender"] == "agent"), default=0)
        if last_customer > last_agent:
            text = AGENT_TEXT["vi" if language == "vi" else "en"]
            reply = self._call(
                "POST", f"/api/conversations/{conv_id}/messages", json={"text": text}
            )
            if reply is not None and reply.status_code == 200:
                self.replies += 1
        if resolve:  # every customer has finished: nothing more will come in
            done = self._call(
                "POST", f"/api/conversations/{conv_id}/resolve", json={"code": "answered"}
            )
            if done is not None and done.status_code == 200:
                self.resolved += 1
