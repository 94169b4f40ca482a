"""Panel clients for the security tests: sign-in over HTTP, the agent websocket with the
session cookie, and reads of the hub's SQLite database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.support.stack import DEMO_PASSWORD, HubProcess


def sign_in(hub: HubProcess, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=hub.url, timeout=30)
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def with_cookie(hub: HubProcess, cookie: str) -> httpx.Client:
    """A fresh client that presents a copied cookie (as a thief would)."""
    return httpx.Client(base_url=hub.url, timeout=30, headers={"Cookie": cookie})


@contextmanager
def agent_socket(
    hub: HubProcess,
    client: httpx.Client | None = None,
    origin: str | None = None,
    ready: bool = True,
) -> Iterator[ClientConnection]:
    """The agent websocket with the client's cookie; waits (if ``ready`` and signed in)
    until the hub says its pushes flow."""
    headers = {"Cookie": cookie_header(client)} if client is not None else {}
    with connect(
        hub.url.replace("http://", "ws://") + "/api/ws/agent",
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        open_timeout=10,
    ) as ws:
        if ready and client is not None:
            first = json.loads(ws.recv(timeout=20))
            assert first["type"] == "ready", first
        yield ws


def next_frame(ws: ClientConnection, wanted: Any, timeout_s: float = 20) -> list[dict[str, Any]]:
    """Frames received up to and including the first one ``wanted`` accepts."""
    seen = []
    while True:
        frame = json.loads(ws.recv(timeout=timeout_s))
        seen.append(frame)
        if wanted(frame):
            return seen


def rows(hub: HubProcess, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        return db.execute(sql, args).fetchall()


def execute(hub: HubProcess, sql: str, *args: Any) -> None:
    """Change the database behind the hub's back, as another hub process would."""
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        db.execute(sql, args)
