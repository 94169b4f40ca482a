"""The widget's identity comes only from proof: a visitor cannot name a customer, a
conversation's customer comes from a verified signature or an agent's explicit link, tokens
expire, are refreshed over the live socket and never travel in URLs, and a signed customer
id the hub does not know yet works instead of failing."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from websockets.exceptions import ConnectionClosed

from tandem.settings import DEMO_SECRET
from tests.security.conftest import (
    SITE,
    bearer,
    db_rows,
    frames_until,
    history,
    open_session,
    post,
    raw_socket,
    signed_session,
    socket,
)
from tests.support.clients import Agent, wait_for
from tests.support.stack import HubProcess


def conversation(agent: Agent, conv_id: int) -> dict[str, Any]:
    return agent.conversation(conv_id)["conversation"]


# -- a visitor cannot become a customer ------------------------------------------------------------
def test_a_visitor_naming_a_customer_gets_nothing_of_theirs(
    client: httpx.Client, hub: HubProcess
) -> None:
    victim = signed_session(client, "C002")
    sent = post(client, victim["token"], "Dư nợ thẻ của tôi bao nhiêu?", "victim-1").json()

    # The old attack: a browser-chosen visitor id equal to the customer's id, no signature.
    attacker = open_session(client, visitor_id="C002")
    assert attacker["customer_id"] is None
    assert history(client, attacker["token"]) == []

    with socket(hub, attacker["token"]) as ws:
        post(client, victim["token"], "Hạn thanh toán thẻ của tôi?", "victim-2")
        ws.send(json.dumps({"type": "message", "text": "dư nợ thẻ của tôi", "client_id": "a-1"}))
        # The thread's events arrive in order: the victim's message, published first, would
        # come before the attacker's own ack if it leaked to this socket.
        frames = frames_until(ws, lambda f: f["type"] == "ack")
    texts = [f["message"]["text"] for f in frames if f["type"] == "message"]
    assert "dư nợ thẻ của tôi" in texts
    leaked = [t for t in texts if t.startswith(("Dư nợ thẻ của tôi bao", "Hạn thanh toán"))]
    assert leaked == []

    agent = Agent(hub.url)
    attack_conv = frames[-1]["message"]["conversation_id"]
    assert attack_conv != sent["conversation_id"]
    assert conversation(agent, attack_conv)["customer_id"] is None
    assert conversation(agent, sent["conversation_id"])["customer_id"] == "C002"


def test_visitor_keys_are_made_by_the_hub_and_apart_from_customers(
    client: httpx.Client, hub: HubProcess
) -> None:
    first, second = open_session(client), open_session(client)
    assert first["token"] != second["token"]
    one = post(client, first["token"], "xin chào", "k-1").json()["conversation_id"]
    two = post(client, second["token"], "xin chào", "k-2").json()["conversation_id"]
    signed = signed_session(client, "C003")
    three = post(client, signed["token"], "hello there", "k-3").json()["conversation_id"]
    keys = dict(
        db_rows(
            hub,
            "SELECT id, channel_key FROM conversations WHERE id IN (?, ?, ?)",
            one,
            two,
            three,
        )
    )
    visitor_keys = [keys[one], keys[two]]
    for key in visitor_keys:
        prefix, _, random_part = key.rpartition(":")
        assert prefix == f"{SITE}:v"
        assert len(random_part) >= 22  # at least 128 bits in URL-safe base64
    assert visitor_keys[0] != visitor_keys[1]
    assert keys[three] == f"{SITE}:c:C003"


def test_a_returning_visitor_resumes_only_with_the_hubs_resume_token(
    client: httpx.Client,
) -> None:
    first = open_session(client)
    post(client, first["token"], "Tôi muốn hỏi về phí", "r-1")
    back = open_session(client, resume=first["resume"])
    assert [m["text"] for m in history(client, back["token"])][:1] == ["Tôi muốn hỏi về phí"]
    # A resume token that was tampered with, or is another site's, starts a fresh thread.
    forged = first["resume"][:-2] + ("AA" if not first["resume"].endswith("AA") else "BB")
    assert history(client, open_session(client, resume=forged)["token"]) == []


# -- the customer of a conversation ----------------------------------------------------------
def test_a_conversation_never_inherits_a_customer_and_agents_link_explicitly(
    client: httpx.Client, hub: HubProcess
) -> None:
    visitor = open_session(client)
    first = post(client, visitor["token"], "Cho tôi gặp nhân viên", "inherit-1").json()
    conv_id = first["conversation_id"]
    agent = Agent(hub.url)
    agent.online()
    try:
        claimed = agent.http.post(f"/api/conversations/{conv_id}/claim")
        assert claimed.status_code == 200, claimed.text

        # Permission and input checks of the link endpoint.
        manager = Agent(hub.url, "ha")
        link = f"/api/conversations/{conv_id}/customer"
        known = {"customer_id": "C003", "reason": "Khách đọc đúng CCCD qua điện thoại"}
        assert manager.http.post(link, json=known).status_code == 403
        assert agent.http.post(link, json={"customer_id": "C003"}).status_code == 422
        assert agent.http.post(link, json={**known, "customer_id": "C999"}).status_code == 404
        assert (
            agent.http.post("/api/conversations/2147483000/customer", json=known).status_code == 404
        )
        linked = agent.http.post(link, json=known)
        assert linked.status_code == 200, linked.text
        assert linked.json()["customer_id"] == "C003"
        events = agent.conversation(conv_id)["events"]
        assert any(e["kind"] == "customer_linked" and e["actor"] == "linh" for e in events)

        resolved = agent.http.post(
            f"/api/conversations/{conv_id}/resolve", json={"code": "answered"}
        )
        assert resolved.status_code == 200, resolved.text
    finally:
        agent.online(False)

    # The satisfaction question is open: the customer's words answer it, in the resolved
    # conversation. The next message is a new conversation on the same anonymous thread.
    comment = post(client, visitor["token"], "Cảm ơn em nhiều", "inherit-survey").json()
    assert comment["conversation_id"] == conv_id
    sent = comment["message"]["id"]
    wait_for(lambda: any(m.get("reply_to") == sent for m in history(client, visitor["token"])))
    # A new conversation: no customer carried over.
    again = post(client, visitor["token"], "Tôi có câu hỏi khác", "inherit-2").json()
    assert again["conversation_id"] != conv_id
    assert conversation(agent, again["conversation_id"])["customer_id"] is None


# -- tokens: expiry, refresh, never in URLs --------------------------------------------------
class _IssuedTwoHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 7200


def test_an_expired_token_is_refused_over_http_and_websocket(
    client: httpx.Client, hub: HubProcess
) -> None:
    payload = {"site": SITE, "key": f"{SITE}:v:expired-visitor", "customer_id": None}
    old = URLSafeTimedSerializer(
        DEMO_SECRET, salt="widget-session", signer=_IssuedTwoHoursAgo
    ).dumps({**payload, "language": None})
    refused = client.get("/api/widget/history", headers=bearer(old))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert post(client, old, "hi", "exp-1").status_code == 401
    with raw_socket(hub) as ws:
        ws.send(json.dumps({"type": "auth", "token": old}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert "expired" in closed.value.rcvd.reason


def test_the_live_socket_refreshes_the_token(client: httpx.Client, hub: HubProcess) -> None:
    session = open_session(client)
    assert session["expires_in"] == 3600
    with socket(hub, session["token"]) as ws:
        ws.send(json.dumps({"type": "refresh"}))
        fresh = frames_until(ws, lambda f: f["type"] == "token")[-1]
    assert fresh["expires_in"] == 3600
    assert client.get("/api/widget/history", headers=bearer(fresh["token"])).status_code == 200


def test_the_hub_pushes_a_fresh_token_before_the_old_one_expires(start_hub: Any) -> None:
    hub = start_hub(widget_token_ttl_s="10")
    with httpx.Client(base_url=hub.url, timeout=30) as http:
        session = http.post("/api/widget/session", json={"site": "demo-bank"}).json()
        assert session["expires_in"] == 10
        with socket(hub, session["token"]) as ws:
            # Unprompted: the hub pushes one halfway through the lifetime.
            pushed = frames_until(ws, lambda f: f["type"] == "token", timeout_s=30)[-1]
        assert pushed["token"] != session["token"]
        assert http.get("/api/widget/history", headers=bearer(pushed["token"])).status_code == 200


def test_tokens_never_travel_in_urls(client: httpx.Client, hub: HubProcess) -> None:
    # A token in the query string is not accepted, so no client has a reason to put it there.
    other = open_session(client)["token"]
    assert client.get("/api/widget/history", params={"token": other}).status_code == 401
    session = open_session(client)
    token = session["token"]
    with raw_socket(hub) as ws:
        ws.send(json.dumps({"type": "message", "text": "hi", "client_id": "no-auth"}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    # The widget's real calls: header and first frame only, so the access log never has it.
    post(client, token, "Tin nhắn kiểm tra nhật ký", "log-1")
    history(client, token)
    with socket(hub, token) as ws:
        ws.send(json.dumps({"type": "message", "text": "qua websocket", "client_id": "log-2"}))
        frames_until(ws, lambda f: f["type"] == "ack")
    log = (hub.workdir / "hub.log").read_text(encoding="utf-8", errors="replace")
    assert "/api/widget/history" in log  # the access log is on
    assert token not in log
    assert session["resume"] not in log


# -- a signed customer id the hub does not know ----------------------------------------------
def test_a_signed_unknown_customer_becomes_a_contact(client: httpx.Client, hub: HubProcess) -> None:
    session = signed_session(client, "NEW-77")
    assert session["customer_id"] == "NEW-77"
    sent = post(client, session["token"], "Tôi là khách hàng mới", "new-1")
    assert sent.status_code == 200, sent.text
    with socket(hub, session["token"]) as ws:
        ws.send(json.dumps({"type": "message", "text": "còn đó không?", "client_id": "new-2"}))
        ack = frames_until(ws, lambda f: f["type"] in ("ack", "error"))[-1]
    assert ack["type"] == "ack"
    stored = [m for m in history(client, session["token"]) if m["sender"] == "customer"]
    assert [m["client_id"] for m in stored] == ["new-1", "new-2"]
    conv = conversation(Agent(hub.url), sent.json()["conversation_id"])
    assert conv["customer_id"] == "NEW-77"
    assert db_rows(hub, "SELECT id, name, dob FROM customers WHERE id = ?", "NEW-77") == [
        ("NEW-77", None, None)
    ]
