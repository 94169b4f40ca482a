"""Intake limits against real hub processes (Rasa down): per visitor and per client
address, in messages and characters per minute, over HTTP and the websocket; the bound on
messages not yet routed; and the client address taken from X-Forwarded-For only when it
comes from a trusted proxy.

Each test speaks from its own address (X-Forwarded-For through the trusted loopback), so
the per-address counts of one test do not spill into another."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.clients import Customer, wait_for
from tests.support.faults import DelayProxy
from tests.support.stack import HubProcess

LIMITS = {
    "TANDEM_INTAKE_VISITOR_MESSAGES_PER_MIN": "3",
    "TANDEM_INTAKE_VISITOR_CHARS_PER_MIN": "2000",
    "TANDEM_INTAKE_ADDRESS_MESSAGES_PER_MIN": "5",
    "TANDEM_INTAKE_ADDRESS_CHARS_PER_MIN": "100000",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[HubProcess]:
    proc = HubProcess(
        tmp_path_factory.mktemp("limits"),
        index_dir=shared_index_dir,
        extra_env={**LIMITS, "TANDEM_FORWARDED_ALLOW_IPS": "127.0.0.1"},
    )
    proc.init_db()
    proc.start()
    yield proc
    proc.stop()


def visitor(hub: HubProcess, address: str) -> Customer:
    customer = Customer(hub.url)
    customer.http.headers["X-Forwarded-For"] = address
    return customer


def stored(customer: Customer) -> list[str]:
    return [t for s, t in customer.texts() if s == "customer"]


def addresses(hub: HubProcess) -> list[str | None]:
    with sqlite3.connect(Path(hub.workdir) / "hub.db") as conn:
        rows = conn.execute("SELECT context FROM conversations ORDER BY id").fetchall()
    return [json.loads(context or "{}").get("address") for (context,) in rows]


def assert_rate_limited(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    body = dict(response.json())
    assert body["code"] == "rate_limited"
    assert isinstance(body["retry_after"], int) and body["retry_after"] >= 1
    assert body["detail"].startswith("Bạn gửi hơi nhanh")
    assert response.headers["retry-after"] == str(body["retry_after"])
    return body


def test_visitor_limit_over_http(hub: HubProcess) -> None:
    customer = visitor(hub, "10.1.0.1")
    sent = [customer.say(f"câu hỏi {i}", client_id=f"h-{i}") for i in range(3)]
    assert [r.status_code for r in sent] == [200, 200, 200]
    assert_rate_limited(customer.say("câu hỏi 3", client_id="h-3"))
    # A resend of an accepted message is a duplicate, never refused: nothing accepted is lost.
    again = customer.say("câu hỏi 0", client_id="h-0")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert stored(customer) == ["câu hỏi 0", "câu hỏi 1", "câu hỏi 2"]


def test_visitor_limit_over_websocket_keeps_the_socket_open(hub: HubProcess) -> None:
    customer = visitor(hub, "10.1.0.2")
    url = f"{hub.url.replace('http', 'ws')}/api/widget/ws"
    with connect(url, open_timeout=10, additional_headers={"X-Forwarded-For": "10.1.0.2"}) as ws:
        ws.send(json.dumps({"type": "auth", "token": customer.token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        for i in range(4):
            ws.send(json.dumps({"type": "message", "text": f"tin {i}", "client_id": f"w-{i}"}))
        answers: dict[str, dict[str, Any]] = {}
        while len(answers) < 4:
            frame = json.loads(ws.recv(timeout=30))
            if frame["type"] in ("ack", "error"):
                answers[frame["client_id"]] = frame
        assert [answers[f"w-{i}"]["type"] for i in range(4)] == ["ack", "ack", "ack", "error"]
        refused = answers["w-3"]
        assert refused["code"] == "rate_limited" and refused["retry_after"] >= 1
        assert refused["detail"].startswith("Bạn gửi hơi nhanh")
        # Still open: a refresh is answered with a fresh token.
        ws.send(json.dumps({"type": "refresh"}))
        wait_for(lambda: json.loads(ws.recv(timeout=30))["type"] == "token", 60, 0)
    assert stored(customer) == ["tin 0", "tin 1", "tin 2"]


def test_visitor_characters_per_minute(hub: HubProcess) -> None:
    customer = visitor(hub, "10.1.0.3")
    assert customer.say("a " * 750).status_code == 200  # 1,500 characters of 2,000
    assert_rate_limited(customer.say("b " * 750))
    assert customer.say("còn phí thường niên?").status_code == 200  # a short one still fits
    assert len(stored(customer)) == 2


def test_address_limit_counts_every_visitor_behind_it(hub: HubProcess) -> None:
    office = [visitor(hub, "10.1.0.4") for _ in range(3)]
    statuses = [c.say(f"xin chào {i}").status_code for i in range(2) for c in office]
    assert statuses == [200, 200, 200, 200, 200, 429]
    assert_rate_limited(office[0].say("lại là tôi"))
    # Another address is not held back by this one.
    assert visitor(hub, "10.1.0.5").say("xin chào").status_code == 200
    assert "10.1.0.4" in addresses(hub)  # kept on the conversation for other checks


def test_forwarded_for_is_ignored_from_an_untrusted_client(start_hub) -> None:
    """By default no proxy is trusted: a client naming a new address in every request is
    still one address, and the one stored is the connection's."""
    hub = start_hub(**{k.removeprefix("TANDEM_").lower(): v for k, v in LIMITS.items()})
    statuses = []
    for i in range(6):
        customer = visitor(hub, f"10.2.0.{i}")  # a fresh visitor and a "new address" each time
        statuses.append(customer.say("xin chào").status_code)
    assert statuses == [200, 200, 200, 200, 200, 429]
    # (The demo data's conversations came with no address.)
    assert {a for a in addresses(hub) if a} == {"127.0.0.1"}


def test_messages_not_yet_routed_are_bounded(start_hub) -> None:
    """With the bot hung, a visitor's backlog stops at the bound; the refusal is the same
    clear 429, and what was accepted stays stored."""
    hung = DelayProxy("http://127.0.0.1:9", delay_s=3600, paths=("/webhooks/",)).start()
    try:
        hub = start_hub(
            rasa_url=hung.url,
            widget_reply_wait_s="0.2",
            intake_max_pending_per_conversation="3",
            intake_max_pending_per_visitor="3",
        )
        customer = Customer(hub.url)
        ids = [uuid.uuid4().hex for _ in range(4)]
        sent = [customer.say(f"tin nhắn {i}", client_id=ids[i]) for i in range(4)]
        assert [r.status_code for r in sent[:3]] == [200, 200, 200]
        assert_rate_limited(sent[3])
        assert stored(customer) == ["tin nhắn 0", "tin nhắn 1", "tin nhắn 2"]
    finally:
        hung.stop()
