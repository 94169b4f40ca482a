"""A panel with a conversation open hears each of its events once, though the event is
published on the conversation's topic and on the agents' one (bot/api/agent_socket.py)."""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import connect

from tests.support.clients import Agent, Customer


def about(frame: dict[str, Any]) -> Any:
    """The conversation a frame is about, if any."""
    if frame.get("type") == "conversation":
        return frame["conversation"]["id"]
    if frame.get("type") == "message":
        return frame["message"]["conversation_id"]
    return frame.get("conversation_id")


def test_a_watched_conversations_events_arrive_once(start_hub) -> None:
    hub = start_hub()
    linh = Agent(hub.url, "linh")
    conv_id = Customer(hub.url).say("cho tôi gặp nhân viên").json()["conversation_id"]
    cookie = "; ".join(f"{k}={v}" for k, v in linh.http.cookies.items())
    ws_url = hub.url.replace("http://", "ws://") + "/api/ws/agent"
    with connect(ws_url, additional_headers={"Cookie": cookie}) as ws:
        ws.send(json.dumps({"type": "watch", "conversation_id": conv_id}))
        seen: list[dict[str, Any]] = []
        while not any(f.get("type") == "watching" for f in seen):
            seen.append(json.loads(ws.recv(timeout=60)))
        # Claiming moves the conversation (each move is pushed on both topics), then the
        # agent's message closes the sample: everything before it has arrived.
        linh.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
        sent = linh.post(f"/api/conversations/{conv_id}/messages", text="Em chào anh")
        sent.raise_for_status()
        frames: list[dict[str, Any]] = []
        while not any(
            f.get("type") == "message" and f.get("message", {}).get("text") == "Em chào anh"
            for f in frames
        ):
            frame = json.loads(ws.recv(timeout=60))
            if about(frame) == conv_id:
                frames.append(frame)
    states = [f for f in frames if f.get("type") == "conversation"]
    assert states, frames  # the claim was pushed
    assert all(a != b for a, b in zip(frames, frames[1:], strict=False)), [
        f.get("type") for f in frames
    ]
