"""Session start copies the customer id and language hint from the hub's metadata."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.session import ActionSessionStart  # noqa: E402
from tests.actions.trackers import make_tracker, run, slot_events  # noqa: E402


def test_metadata_fills_customer_and_language() -> None:
    meta = {"customer_id": "C004", "language": "en", "channel": "web", "conversation_id": 3}
    tracker = make_tracker([], {"session_started_metadata": meta})
    _, events = run(ActionSessionStart(), tracker)
    assert events[0]["event"] == "session_started"
    assert events[-1] == {
        "event": "action",
        "name": "action_listen",
        "policy": None,
        "confidence": None,
        "timestamp": None,
    }
    updates = slot_events(events)
    assert updates["customer_id"] == "C004" and updates["language"] == "en"


def test_anonymous_visitor_keeps_previous_values() -> None:
    meta = {"customer_id": None, "language": None, "channel": "telegram", "conversation_id": 9}
    tracker = make_tracker([], {"session_started_metadata": meta, "language": "en"})
    _, events = run(ActionSessionStart(), tracker)
    updates = slot_events(events)
    assert updates["language"] == "en"
    assert "customer_id" not in updates
