"""Call-backs are recorded in the hub and their status can be read back."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("rasa_sdk")

from actions.callback import (  # noqa: E402
    ActionCheckCallbackStatus,
    ActionScheduleCallback,
    ValidateCallbackForm,
)
from actions.clients.hub import HubClient, HubNotFound  # noqa: E402
from actions.faq import ActionAnswerDetail  # noqa: E402
from actions.validation import parse_preferred_time  # noqa: E402
from chattext.when import Window  # noqa: E402
from tests.actions.trackers import (  # noqa: E402
    action,
    bot,
    make_tracker,
    responses,
    run,
    slot,
    slot_events,
    texts,
    user,
)

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_call_back_is_recorded_and_reported(hub) -> None:
    events = [
        user("gọi lại cho tôi", "request_callback", metadata={"conversation_id": None}),
        user("0901234567", "inform"),
        user("chiều mai", "inform"),
    ]
    window = parse_preferred_time("chiều mai")
    tracker = make_tracker(
        events, {"phone": "0901234567", "preferred_time": window}, sender_id="cb-test-1"
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
            "preferred_time": parse_preferred_time("tomorrow after 3pm"),
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
    assert "0909000111" in texts(dispatcher)

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


@pytest.mark.parametrize("said", ["3h chiều mai", "à nhầm, 4h chiều mai nhé", "tomorrow at 4pm"])
def test_a_time_given_when_the_number_is_asked_is_kept(said: str) -> None:
    events = [user("gọi lại cho mình", "request_callback"), user(said, "inform")]
    events.append(slot("phone", said))
    tracker = make_tracker(
        events, {"phone": said, "requested_slot": "phone"}, active_loop="callback_form"
    )
    dispatcher, result = run(ValidateCallbackForm(), tracker)
    filled = slot_events(result)
    assert filled["phone"] is None  # still asked for
    window = Window.from_text(filled["preferred_time"])
    assert window is not None
    hour = window.start.astimezone(LOCAL_TZ).hour
    assert hour == (15 if said.startswith("3h") else 16)
    said_back = texts(dispatcher)
    assert f"{hour}:00" in said_back
    assert "0909000111" not in said_back  # not told the number is invalid


def test_hub_down(hub_down) -> None:
    tracker = make_tracker(
        [user("call me", "request_callback")], {"phone": "0901234567", "preferred_time": "now"}
    )
    dispatcher, result = run(ActionScheduleCallback(), tracker)
    assert slot_events(result)["human_offered"] is True


def test_one_message_fills_the_form_and_the_window_is_confirmed(hub) -> None:
    text = "Could you call me back? My number is 0934567890, tomorrow at 3pm"
    events = [
        user(text, "request_callback"),
        slot("phone", "0934567890"),
        slot("preferred_time", text),
    ]
    tracker = make_tracker(
        events, {"phone": "0934567890", "preferred_time": text, "language": "en"}
    )
    dispatcher, result = run(ValidateCallbackForm(), tracker)
    assert dispatcher.messages == []
    filled = slot_events(result)
    assert filled["phone"] == "0934567890"
    window = Window.from_text(filled["preferred_time"])
    assert window is not None
    tomorrow = datetime.now(LOCAL_TZ).date() + timedelta(days=1)
    start = window.start.astimezone(LOCAL_TZ)
    assert (start.date(), start.hour, start.minute) == (tomorrow, 15, 0)
    assert window.end - window.start == timedelta(hours=1)

    booked = make_tracker(
        events,
        {"phone": "0934567890", "preferred_time": filled["preferred_time"], "language": "en"},
        sender_id="cb-test-one-message",
    )
    dispatcher, _ = run(ActionScheduleCallback(), booked)
    said = texts(dispatcher)
    assert "between 15:00 and 16:00 on" in said and "0934567890" in said

    status = make_tracker(
        [user("when is my call back", "check_callback_status")],
        {"language": "en"},
        sender_id="cb-test-one-message",
    )
    dispatcher, _ = run(ActionCheckCallbackStatus(), status)
    assert "15:00" in texts(dispatcher)


def test_a_request_without_a_time_is_not_an_invalid_time() -> None:
    events = [
        user("gọi lại cho tôi", "request_callback"),
        slot("preferred_time", "gọi lại cho tôi"),
    ]
    tracker = make_tracker(events, {"preferred_time": "gọi lại cho tôi"})
    dispatcher, result = run(ValidateCallbackForm(), tracker)
    assert dispatcher.messages == []
    assert slot_events(result)["preferred_time"] is None


@pytest.mark.parametrize(
    ("said", "days", "hour"),
    [("3 giờ chiều mai", 1, 15), ("tomorrow at 3pm", 1, 15), ("9h sáng mai", 1, 9)],
)
def test_times_in_both_languages(said: str, days: int, hour: int) -> None:
    now = datetime(2026, 11, 28, 10, 0, tzinfo=LOCAL_TZ)
    window = Window.from_text(parse_preferred_time(said, now=now) or "")
    assert window is not None
    start = window.start.astimezone(LOCAL_TZ)
    assert (start.date(), start.hour) == (now.date() + timedelta(days=days), hour)


def test_an_unreadable_time_is_asked_again() -> None:
    events = [
        user("gọi lại", "request_callback"),
        user("lúc nào cũng được", "inform"),
        slot("preferred_time", "lúc nào cũng được"),
    ]
    tracker = make_tracker(
        events,
        {
            "phone": "0901234567",
            "preferred_time": "lúc nào cũng được",
            "requested_slot": "preferred_time",
        },
        active_loop="callback_form",
    )
    dispatcher, result = run(ValidateCallbackForm(), tracker)
    assert slot_events(result)["preferred_time"] is None
    assert "chiều mai" in texts(dispatcher)


def test_a_time_outside_calling_hours_is_booked_later_and_the_customer_is_told(hub) -> None:
    # 22:00 tomorrow: the hub books the next morning; the customer hears why.
    late = parse_preferred_time("10pm tomorrow")
    tracker = make_tracker(
        [user("call me back at 10pm tomorrow", "request_callback")],
        {"phone": "0912345678", "preferred_time": late, "language": "en"},
        sender_id="cb-test-late",
    )
    dispatcher, _ = run(ActionScheduleCallback(), tracker)
    said = texts(dispatcher)
    assert "outside the hours we make call-backs" in said
    assert "between 08:00 and 09:00 on" in said


def test_a_time_within_calling_hours_gets_no_note(hub) -> None:
    tracker = make_tracker(
        [user("gọi lại cho tôi 3 giờ chiều mai", "request_callback")],
        {"phone": "0912345678", "preferred_time": parse_preferred_time("3 giờ chiều mai")},
        sender_id="cb-test-in-hours",
    )
    dispatcher, _ = run(ActionScheduleCallback(), tracker)
    said = texts(dispatcher)
    assert "ngoài giờ gọi lại" not in said
    assert "trong khoảng 15:00 – 16:00" in said


def _book_for_3pm_tomorrow(sender: str) -> str:
    """Book a call-back for 15:00 tomorrow in this sender's conversation; its reference."""
    booked = make_tracker(
        [user("gọi lại cho mình 3h chiều mai", "request_callback")],
        {"phone": "0912345678", "preferred_time": parse_preferred_time("3h chiều mai")},
        sender_id=sender,
    )
    dispatcher, _ = run(ActionScheduleCallback(), booked)
    return texts(dispatcher).split("(mã ")[1].split(")")[0]


def test_a_time_corrected_just_after_booking_moves_the_call_back(hub) -> None:
    sender = "cb-test-moved"
    reference = _book_for_3pm_tomorrow(sender)

    correction = [
        user("gọi lại cho mình 3h chiều mai", "request_callback"),
        action("callback_form"),
        action("action_schedule_callback"),
        bot("Mình đã ghi nhận yêu cầu gọi lại"),
        action("action_listen"),
        user("à nhầm, 4h chiều mai nhé", "inform"),
    ]
    dispatcher, _ = run(ActionAnswerDetail(), make_tracker(correction, sender_id=sender))
    said = texts(dispatcher)
    assert reference in said and "16:00 – 17:00" in said

    status = make_tracker([user("lịch gọi lại", "check_callback_status")], sender_id=sender)
    dispatcher, _ = run(ActionCheckCallbackStatus(), status)
    assert "16:00" in texts(dispatcher) and "15:00" not in texts(dispatcher)

    # An hour alone keeps the booked day (tomorrow), though 14:00 today may be still to come.
    hour_only = [*correction[:-1], user("thôi 2h chiều đi", "inform")]
    dispatcher, _ = run(ActionAnswerDetail(), make_tracker(hour_only, sender_id=sender))
    tomorrow = datetime.now(LOCAL_TZ).date() + timedelta(days=1)
    assert f"14:00 – 15:00 ngày {tomorrow:%d/%m/%Y}" in texts(dispatcher)

    # Some turns later the same words are no correction: the booking stays.
    later = [*correction[:-1], user("cảm ơn", "thank"), action("utter_thank")]
    later.append(user("4h chiều mai", "inform"))
    dispatcher, _ = run(ActionAnswerDetail(), make_tracker(later, sender_id=sender))
    assert reference not in texts(dispatcher)
    assert responses(dispatcher) == ["utter_ask_how_help"]


def test_another_thread_cannot_move_a_call_back(hub) -> None:
    callback_id = int(_book_for_3pm_tomorrow("cb-test-owner").removeprefix("CB-"))
    window = Window.from_text(parse_preferred_time("4h chiều mai") or "")
    assert window is not None
    client = HubClient.from_env()
    with pytest.raises(HubNotFound):
        client.move_callback(
            callback_id, "cb-test-stranger", window.start.isoformat(), window.end.isoformat()
        )
    moved = client.move_callback(
        callback_id, "cb-test-owner", window.start.isoformat(), window.end.isoformat()
    )
    assert moved["reference"] == f"CB-{callback_id}"
