"""Call-backs are recorded in the hub and their status can be read back."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.callback import (  # noqa: E402
    ActionCheckCallbackStatus,
    ActionScheduleCallback,
    ValidateCallbackForm,
)
from tests.actions.trackers import make_tracker, run, slot, slot_events, texts, user  # noqa: E402


def test_call_back_is_recorded_and_reported(hub) -> None:
    events = [
        user("gọi lại cho tôi", "request_callback", metadata={"conversation_id": None}),
        user("0901234567", "inform"),
        user("chiều mai", "inform"),
    ]
    tracker = make_tracker(
        events, {"phone": "0901234567", "preferred_time": "chiều mai"}, sender_id="cb-test-1"
    )
    dispatcher, result = run(ActionScheduleCallback(), tracker)
    said = texts(dispatcher)
    assert "CB-" in said and "0901234567" in said
    assert slot_events(result) == {"preferred_time": None}
    reference = said.split("(mã ")[1].split(")")[0]

    status_tracker = make_tracker(
        [user("lịch gọi lại của tôi thế nào", "check_callback_status")], sender_id="cb-test-1"
    )
    dispatcher, _ = run(ActionCheckCallbackStatus(), status_tracker)
    assert reference in texts(dispatcher)
    assert "đã lên lịch" in texts(dispatcher)


def test_call_back_in_english(hub) -> None:
    tracker = make_tracker(
        [user("call me back", "request_callback")],
        {
            "phone": "0934567890",
            "preferred_time": "tomorrow after 3pm",
            "language": "en",
            "customer_id": "C004",
        },
        sender_id="cb-test-2",
    )
    dispatcher, _ = run(ActionScheduleCallback(), tracker)
    assert "Your call-back is booked" in texts(dispatcher)


def test_no_call_back_yet_offers_one(hub) -> None:
    tracker = make_tracker(
        [user("when will you call me", "check_callback_status")],
        {"language": "en"},
        sender_id="cb-test-nobody",
    )
    dispatcher, _ = run(ActionCheckCallbackStatus(), tracker)
    assert "can't find any call-back" in texts(dispatcher)
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/request_callback"


def test_phone_validation() -> None:
    events = [user("gọi lại", "request_callback"), user("123", "inform"), slot("phone", "123")]
    tracker = make_tracker(
        events, {"phone": "123", "requested_slot": "phone"}, active_loop="callback_form"
    )
    dispatcher, result = run(ValidateCallbackForm(), tracker)
    assert slot_events(result)["phone"] is None
    assert "0901234567" in texts(dispatcher)

    events = [
        user("gọi lại", "request_callback"),
        user("090 123 4567", "inform"),
        slot("phone", "090 123 4567"),
    ]
    tracker = make_tracker(
        events, {"phone": "090 123 4567", "requested_slot": "phone"}, active_loop="callback_form"
    )
    _, result = run(ValidateCallbackForm(), tracker)
    assert slot_events(result)["phone"] == "0901234567"


def test_hub_down(hub_down) -> None:
    tracker = make_tracker(
        [user("call me", "request_callback")], {"phone": "0901234567", "preferred_time": "now"}
    )
    dispatcher, result = run(ActionScheduleCallback(), tracker)
    assert slot_events(result)["human_offered"] is True
