"""The agent websocket answers each action exactly as its HTTP twin does, from the one
policy in bot.access.permissions, and only pages of the hub's own (or configured) origins may open
it. Checked against a real hub over real websockets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from bot.access import permissions
from tests.security.panel.helpers import agent_socket, next_frame, sign_in
from tests.support.clients import Customer
from tests.support.stack import HubProcess


@pytest.fixture
def hub(shared_hub: HubProcess) -> HubProcess:
    """These tests only read and each uses its own conversation: one hub for the module."""
    return shared_hub


def waiting_conversation(
    hub: HubProcess, text: str = "Tôi cần gặp nhân viên"
) -> tuple[Customer, int]:
    customer = Customer(hub.url)
    reply = customer.say(text)
    assert reply.status_code == 200, reply.text
    return customer, int(reply.json()["conversation_id"])


def is_error_for(action: str) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: frame.get("type") == "error" and frame.get("action") == action


def messages_of(frames: list[dict[str, Any]], conv_id: int) -> list[str]:
    return [
        f["message"]["text"]
        for f in frames
        if f.get("type") == "message" and f["message"].get("conversation_id") == conv_id
    ]


def test_a_knowledge_manager_cannot_watch_a_conversation_over_the_socket(hub: HubProcess) -> None:
    customer, conv_id = waiting_conversation(hub)
    agent, editor = sign_in(hub, "linh"), sign_in(hub, "ha")
    assert editor.get(f"/api/conversations/{conv_id}").status_code == 403  # the HTTP twin

    with agent_socket(hub, agent) as agent_ws, agent_socket(hub, editor) as editor_ws:
        editor_ws.send(json.dumps({"type": "watch", "conversation_id": conv_id}))
        refused = next_frame(editor_ws, is_error_for("watch"))[-1]
        assert refused["status"] == 403

        agent_ws.send(json.dumps({"type": "watch", "conversation_id": conv_id}))
        next_frame(agent_ws, lambda f: f.get("type") == "watching")
        customer.say("Số dư thẻ của tôi là bao nhiêu?").raise_for_status()
        # The agent's socket got the customer's message: it has been published.
        agent_frames = next_frame(agent_ws, lambda f: bool(messages_of([f], conv_id)))
        assert messages_of(agent_frames, conv_id) == ["Số dư thẻ của tôi là bao nhiêu?"]

        # Pushes and replies share one ordered stream, so everything published before this
        # probe reached the editor's socket before the probe's answer.
        editor_ws.send(json.dumps({"type": "probe"}))
        editor_frames = next_frame(editor_ws, is_error_for("probe"))
    assert messages_of(editor_frames, conv_id) == []
    assert not [f for f in editor_frames if f.get("type") == "conversation"]


@pytest.mark.parametrize("username", ["linh", "ha", "quan"])
def test_each_role_gets_the_same_answer_over_http_and_the_socket(
    hub: HubProcess, username: str
) -> None:
    _, conv_id = waiting_conversation(hub)
    client = sign_in(hub, username)
    http = {
        conv_id: client.get(f"/api/conversations/{conv_id}").status_code,
        987654: client.get("/api/conversations/987654").status_code,
    }
    with agent_socket(hub, client) as ws:
        socket = {}
        for target in (conv_id, 987654):
            ws.send(json.dumps({"type": "watch", "conversation_id": target}))
            frame = next_frame(ws, lambda f: f.get("type") in ("watching", "error"))[-1]
            socket[target] = 200 if frame["type"] == "watching" else frame["status"]
    assert socket == http
    user = client.get("/api/auth/me").json()["user"]
    allowed = permissions.can_view_conversation(_Person(user["id"], user["role"]), conv_id)
    assert (http[conv_id] == 200) is allowed


class _Person:
    def __init__(self, id: int, role: str) -> None:
        self.id, self.role = id, role


def test_the_socket_refuses_bad_actions_with_a_reason(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    with agent_socket(hub, agent) as ws:
        for bad in ("x", True, -1, 10**30):
            ws.send(json.dumps({"type": "watch", "conversation_id": bad}))
            assert next_frame(ws, is_error_for("watch"))[-1]["status"] == 422
        ws.send(json.dumps(["watch"]))
        assert next_frame(ws, lambda f: f.get("type") == "error")[-1]["status"] == 400
        ws.send("{not json")
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007


def test_a_socket_without_a_session_is_closed_with_a_reason(hub: HubProcess) -> None:
    with agent_socket(hub) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=20)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401 and "Sign in" in closed.value.rcvd.reason


def test_a_page_on_another_origin_cannot_open_the_agent_socket(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    with agent_socket(hub, agent, origin=hub.url):  # the panel's own page
        pass
    for foreign in ("http://evil.example", "null", hub.url.replace("127.0.0.1", "localhost")):
        with (
            agent_socket(hub, agent, origin=foreign, ready=False) as ws,
            pytest.raises(ConnectionClosed) as closed,
        ):
            ws.recv(timeout=20)
        assert closed.value.rcvd is not None, foreign
        assert closed.value.rcvd.code == 4403, foreign


def test_configured_panel_origins_may_open_the_socket(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub(panel_allowed_origins='["https://panel.bank.example"]')
    agent = sign_in(hub, "linh")
    with agent_socket(hub, agent, origin="https://panel.bank.example") as ws:
        ws.send(json.dumps({"type": "watch", "conversation_id": 1}))
        assert next_frame(ws, lambda f: f.get("type") in ("watching", "error"))
