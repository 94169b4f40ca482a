"""Build rasa_sdk trackers and run actions the way the action server does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def slot_defaults() -> dict[str, Any]:
    """Every domain slot at its initial value, as Rasa sends them to the action server."""
    return {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}


def user(text: str, intent: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `user` event as it appears in the tracker Rasa sends."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text},
        "metadata": metadata or {},
    }


def bot(text: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons or []}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def make_tracker(
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-user",
) -> Tracker:
    """A tracker whose latest message is the last user event."""
    values = slot_defaults()
    values.update(slots or {})
    users = [e for e in events if e["event"] == "user"]
    latest = users[-1] if users else {}
    latest_message = {
        "text": latest.get("text"),
        "intent": (latest.get("parse_data") or {}).get("intent", {}),
        "entities": [],
        "metadata": latest.get("metadata", {}),
    }
    return Tracker(
        sender_id=sender_id,
        slots=values,
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action_: Action, tracker: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    """Run one action; returns the dispatcher (messages) and the events as dicts."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action_.run(dispatcher, tracker, DOMAIN))
    return dispatcher, [dict(e) for e in events]


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
