"""A real hub process (Rasa down, so every conversation lands in the human queue) with a
known widget site secret, and small clients for the widget's HTTP and websocket API."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from bot.api.widget_identity import sign_customer
from tests.support.stack import HubProcess

SITE = "demo-bank"
SITE_SECRET = "test-site-secret-0123456789"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[HubProcess]:
    proc = HubProcess(
        tmp_path_factory.mktemp("security"),
        index_dir=shared_index_dir,
        extra_env={"TANDEM_WIDGET_SITES": json.dumps({SITE: SITE_SECRET})},
    )
    proc.init_db()
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def client(hub: HubProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url, timeout=30) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_session(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/widget/session", json={"site": SITE, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


def signed_session(client: httpx.Client, customer_id: str) -> dict[str, Any]:
    return open_session(
        client, customer_id=customer_id, signature=sign_customer(SITE_SECRET, customer_id)
    )


def post(client: httpx.Client, token: str, text: Any, client_id: str) -> httpx.Response:
    return client.post(
        "/api/widget/messages", json={"text": text, "client_id": client_id}, headers=bearer(token)
    )


def history(client: httpx.Client, token: str) -> list[dict[str, Any]]:
    response = client.get("/api/widget/history", headers=bearer(token))
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def raw_socket(hub: HubProcess) -> Any:
    return connect(f"{hub.url.replace('http', 'ws')}/api/widget/ws", open_timeout=10)


@contextmanager
def socket(hub: HubProcess, token: str) -> Iterator[ClientConnection]:
    """An authenticated widget websocket: the token goes in the first frame."""
    with raw_socket(hub) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(ws.recv(timeout=10))
        assert ready["type"] == "ready", ready
        yield ws


def frames_until(ws: ClientConnection, done: Any, timeout_s: float = 15) -> list[dict[str, Any]]:
    seen = []
    while True:
        frame = json.loads(ws.recv(timeout=timeout_s))
        seen.append(frame)
        if done(frame):
            return seen


def db_rows(hub: HubProcess, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the hub's SQLite database directly: what is really stored."""
    with sqlite3.connect(hub.workdir / "hub.db") as conn:
        return list(conn.execute(sql, params).fetchall())
