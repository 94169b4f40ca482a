"""Bad input that used to answer 500 or kill a socket gets a clear 4xx (on the websocket an
error frame, the socket staying open), and nothing already stored is lost."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.security.conftest import bearer, frames_until, history, open_session, post, socket
from tests.support.clients import Agent
from tests.support.stack import SERVICE_TOKEN, HubProcess

LONE_SURROGATE_BODY = b'{"text": "abc \\ud800 def", "client_id": "%s"}'


def customer_texts(client: httpx.Client, token: str) -> list[str]:
    return [m["text"] for m in history(client, token) if m["sender"] == "customer"]


@pytest.fixture(scope="module")
def agent(hub: HubProcess) -> Agent:
    return Agent(hub.url)


@pytest.fixture(scope="module")
def claimed(client: httpx.Client, hub: HubProcess, agent: Agent) -> dict[str, Any]:
    """A conversation the agent owns, with one stored customer message."""
    session = open_session(client)
    conv_id = post(client, session["token"], "Cho tôi gặp nhân viên", "claimed-1").json()[
        "conversation_id"
    ]
    agent.online()
    response = agent.http.post(f"/api/conversations/{conv_id}/claim")
    assert response.status_code == 200, response.text
    return {"id": conv_id, "token": session["token"]}


# -- lone surrogates ---------------------------------------------------------------------------
def test_lone_surrogate_in_widget_text_is_refused(client: httpx.Client) -> None:
    token = open_session(client)["token"]
    assert post(client, token, "Tin đầu tiên", "keep-1").status_code == 200
    response = client.post(
        "/api/widget/messages",
        content=LONE_SURROGATE_BODY % b"sur-1",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    assert customer_texts(client, token) == ["Tin đầu tiên"]


def test_lone_surrogate_in_an_agent_reply_is_refused(
    client: httpx.Client, agent: Agent, claimed: dict[str, Any]
) -> None:
    before = agent.conversation(claimed["id"])["messages"]
    response = agent.http.post(
        f"/api/conversations/{claimed['id']}/messages",
        content=b'{"text": "Ch\\u00e0o \\udc00"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422 and response.json()["detail"]
    assert agent.conversation(claimed["id"])["messages"] == before
    # Other free-text fields reach the database too; still a 4xx, never a 500.
    transfer = agent.http.post(
        f"/api/conversations/{claimed['id']}/transfer",
        content=b'{"note": "\\ud800", "to_team": "cards"}',
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= transfer.status_code < 500
    assert agent.conversation(claimed["id"])["conversation"]["assigned_to"] == agent.user["id"]


# -- the widget websocket ----------------------------------------------------------------------
def test_websocket_survives_surrogates_deep_json_and_binary_frames(
    client: httpx.Client, hub: HubProcess
) -> None:
    token = open_session(client)["token"]
    with socket(hub, token) as ws:
        ws.send('{"type": "message", "text": "x\\ud800", "client_id": "ws-sur"}')
        error = json.loads(ws.recv(timeout=10))
        assert (error["type"], error["code"], error["client_id"]) == ("error", "not_text", "ws-sur")

        ws.send("[" * 50_000 + "]" * 50_000)
        assert json.loads(ws.recv(timeout=10))["code"] == "malformed"
        deep_text = '{"type": "message", "text": ' + "[" * 50_000 + "]" * 50_000 + "}"
        ws.send(deep_text)
        assert json.loads(ws.recv(timeout=10))["code"] == "malformed"

        ws.send(b"\x00\x01binary")
        error = json.loads(ws.recv(timeout=10))
        assert error["code"] == "binary" and "Binary" in error["detail"]

        # A client id that cannot be stored is refused without being echoed back.
        ws.send('{"type": "message", "text": "ok", "client_id": "\\ud800"}')
        error = json.loads(ws.recv(timeout=10))
        assert error["code"] == "malformed" and "client_id" not in error

        ws.send(json.dumps({"type": "message", "text": "Vẫn còn kết nối", "client_id": "ws-ok"}))
        ack = frames_until(ws, lambda f: f["type"] == "ack")[-1]
    assert ack["message"]["text"] == "Vẫn còn kết nối"
    assert customer_texts(client, token) == ["Vẫn còn kết nối"]


# -- numbers out of range ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/conversations/99999999999999999999999",
        "/api/conversations/9223372036854775808",
        "/api/conversations/0",
        "/api/conversations/-1",
        "/api/conversations/99999999999999999999999/assist",
    ],
)
def test_ids_out_of_range_are_a_clear_422(agent: Agent, path: str) -> None:
    response = agent.http.get(path)
    assert response.status_code == 422, response.text


def test_id_overflow_in_post_paths_and_bodies(agent: Agent) -> None:
    huge = 99999999999999999999999
    assert agent.http.post(f"/api/conversations/{huge}/claim").status_code == 422
    assert agent.http.post(f"/api/callbacks/{huge}", json={"status": "done"}).status_code == 422
    feedback = agent.http.post(
        "/api/suggestions/feedback",
        json={"conversation_id": huge, "entry_id": "x", "rank": 0, "event": "shown"},
    )
    assert feedback.status_code == 422


def test_metrics_days_out_of_range(hub: HubProcess) -> None:
    supervisor = Agent(hub.url, "quan")
    for days in ("99999999999", "0", "-5"):
        response = supervisor.http.get("/api/metrics", params={"days": days})
        assert response.status_code == 422, (days, response.text)
    assert supervisor.http.get("/api/metrics", params={"days": 7}).status_code == 200


# -- call-backs --------------------------------------------------------------------------------
def test_callback_window_may_mix_times_with_and_without_a_zone(
    agent: Agent, claimed: dict[str, Any]
) -> None:
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    start_local = (datetime.now(local) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    end_utc = (start_local + timedelta(hours=1)).astimezone(timezone.utc)
    response = agent.http.post(
        f"/api/conversations/{claimed['id']}/callbacks",
        json={
            "phone": "0909000111",
            # No zone: the bank's local time, as the panel's clock shows it.
            "window_start": start_local.replace(tzinfo=None).isoformat(),
            "window_end": end_utc.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    stored = response.json()
    assert datetime.fromisoformat(stored["window_start"]) == start_local
    assert datetime.fromisoformat(stored["window_end"]) == end_utc

    backwards = agent.http.post(
        f"/api/conversations/{claimed['id']}/callbacks",
        json={
            "phone": "0909000111",
            "window_start": end_utc.isoformat(),
            "window_end": start_local.replace(tzinfo=None).isoformat(),
        },
    )
    assert backwards.status_code == 422
    far = agent.http.post(
        f"/api/conversations/{claimed['id']}/callbacks",
        json={
            "phone": "0909000111",
            "window_start": "9999-12-31T23:00:00-12:00",
            "window_end": "9999-12-31T23:30:00-12:00",
        },
    )
    assert far.status_code == 422


def test_internal_callback_for_unknown_conversation_or_customer(hub: HubProcess) -> None:
    service = httpx.Client(
        base_url=hub.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=30
    )
    body = {"sender_id": "web:x", "phone": "0909000222", "language": "vi"}
    unknown_conv = service.post("/internal/callbacks", json={**body, "conversation_id": 2_000_000})
    assert unknown_conv.status_code == 404 and "conversation" in unknown_conv.json()["detail"]
    unknown_customer = service.post("/internal/callbacks", json={**body, "customer_id": "C999"})
    assert unknown_customer.status_code == 404 and "customer" in unknown_customer.json()["detail"]
    huge = service.post("/internal/callbacks", json={**body, "conversation_id": 10**25})
    assert huge.status_code == 422
    listed = service.get("/internal/callbacks", params={"phone": "0909000222"}).json()
    assert listed["callbacks"] == []  # nothing half-stored
    ok = service.post("/internal/callbacks", json={**body, "customer_id": "C001"})
    assert ok.status_code == 200, ok.text


def test_internal_callback_move_checks_its_window_and_its_owner(hub: HubProcess) -> None:
    service = httpx.Client(
        base_url=hub.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=30
    )
    body = {"sender_id": "web:mover", "phone": "0909000333", "language": "vi"}
    booked = service.post("/internal/callbacks", json=body).json()
    path = f"/internal/callbacks/{booked['id']}/window"
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    tomorrow = datetime.now(hanoi) + timedelta(days=1)
    start = tomorrow.replace(hour=16, minute=0, second=0, microsecond=0).isoformat()
    in_utc = f"{tomorrow:%Y-%m-%d}T09:00"  # 16:00 in Hanoi
    naive = service.post(path, json={"sender_id": "web:mover", "window_start": start[:19]})
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]
    stranger = service.post(path, json={"sender_id": "web:other", "window_start": start})
    assert stranger.status_code == 404
    unknown = service.post(
        "/internal/callbacks/1999999/window", json={"sender_id": "web:mover", "window_start": start}
    )
    assert unknown.status_code == 404
    moved = service.post(path, json={"sender_id": "web:mover", "window_start": start})
    assert moved.status_code == 200, moved.text
    assert moved.json()["window_start"].startswith(in_utc)
    agent = Agent(hub.url)
    agent.post(f"/api/callbacks/{booked['id']}", status="done").raise_for_status()
    done = service.post(path, json={"sender_id": "web:mover", "window_start": start})
    assert done.status_code == 409
    listed = service.get("/internal/callbacks", params={"sender_id": "web:mover"}).json()
    assert [c["window_start"][:16] for c in listed["callbacks"]] == [in_utc]


# -- content -----------------------------------------------------------------------------------
def test_bidirectional_controls_are_stripped_on_intake(client: httpx.Client) -> None:
    token = open_session(client)["token"]
    hostile = "Hoàn tiền \u202e0005 ₫\u202c cho \u2066tôi\u2069\u200f\u061c\u200e"
    response = post(client, token, hostile, "bidi-1")
    assert response.status_code == 200, response.text
    assert response.json()["message"]["text"] == "Hoàn tiền 0005 ₫ cho tôi"
    assert customer_texts(client, token) == ["Hoàn tiền 0005 ₫ cho tôi"]
