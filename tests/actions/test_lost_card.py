"""Lost card: identity check and card block against the real hub and demo database."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.lost_card import ActionBlockCard, ValidateLostCardForm, block_reason  # noqa: E402
from tests.actions.trackers import (  # noqa: E402
    action,
    make_tracker,
    responses,
    run,
    slot,
    slot_events,
    texts,
    user,
)


def lost_card_tracker(report: str, last4: str, dob: str, **slots: object):
    events = [
        user(report, "report_lost_card"),
        action("lost_card_form"),
        user(last4, "inform"),
        slot("card_last4", last4),
        user(dob, "inform"),
        slot("dob", dob),
    ]
    return make_tracker(events, {"card_last4": last4, "dob": dob, **slots})


def test_verified_customer_gets_the_card_blocked(hub) -> None:
    tracker = lost_card_tracker("tôi bị mất thẻ", "4821", "1988-03-14")
    dispatcher, events = run(ActionBlockCard(), tracker)
    said = texts(dispatcher)
    assert "4821" in said and "BLK-" in said
    assert "5-7 ngày làm việc" in said and "1900 6868" in said
    assert slot_events(events)["customer_id"] == "C001"
    assert slot_events(events)["card_last4"] is None


def test_english_customer_gets_english_next_steps(hub) -> None:
    tracker = lost_card_tracker("my card was stolen", "5560", "1985-01-30", language="en")
    dispatcher, _ = run(ActionBlockCard(), tracker)
    said = texts(dispatcher)
    assert "Your card ending 5560 is now blocked" in said
    assert "replacement card" in said


def test_wrong_birth_date_asks_to_retry_then_offers_a_person(hub) -> None:
    first, events = run(ActionBlockCard(), lost_card_tracker("mất thẻ", "7305", "1990-01-01"))
    assert "chưa khớp" in texts(first)
    assert [b["payload"] for b in first.messages[0]["buttons"]] == [
        "/report_lost_card",
        "/request_human",
    ]
    updates = slot_events(events)
    assert updates["card_last4"] is None and updates["dob"] is None
    assert updates["verify_failures"] == 1

    second, events = run(
        ActionBlockCard(),
        lost_card_tracker("mất thẻ", "7305", "1990-01-01", verify_failures=1),
    )
    assert responses(second) == ["utter_offer_human"]
    assert slot_events(events)["human_offered"] is True
    assert slot_events(events)["offer_reason"] == "verification_failed"


def test_hub_down_is_explained_and_a_person_offered(hub_down) -> None:
    dispatcher, events = run(ActionBlockCard(), lost_card_tracker("mất thẻ", "4821", "1988-03-14"))
    assert "1900 6868" in texts(dispatcher)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert slot_events(events)["human_offered"] is True


def test_stolen_is_told_apart_from_lost() -> None:
    assert block_reason(make_tracker([user("bị trộm mất thẻ", "report_lost_card")])) == "stolen"
    assert block_reason(make_tracker([user("bi moc tui mat the", "report_lost_card")])) == "stolen"
    assert block_reason(make_tracker([user("my card was stolen", "report_lost_card")])) == "stolen"
    assert block_reason(make_tracker([user("tôi làm rơi thẻ", "report_lost_card")])) == "lost"


def test_form_validation_rejects_bad_digits_and_dates() -> None:
    events = [user("mất thẻ", "report_lost_card"), user("12", "inform"), slot("card_last4", "12")]
    tracker = make_tracker(
        events, {"card_last4": "12", "requested_slot": "card_last4"}, active_loop="lost_card_form"
    )
    dispatcher, result = run(ValidateLostCardForm(), tracker)
    assert slot_events(result)["card_last4"] is None
    assert "4 chữ số" in texts(dispatcher)

    events = [
        user("mất thẻ", "report_lost_card"),
        user("30/02/1988", "inform"),
        slot("dob", "30/02/1988"),
    ]
    tracker = make_tracker(
        events,
        {"card_last4": "4821", "dob": "30/02/1988", "requested_slot": "dob"},
        active_loop="lost_card_form",
    )
    dispatcher, result = run(ValidateLostCardForm(), tracker)
    assert slot_events(result)["dob"] is None


def test_form_validation_normalises_the_date() -> None:
    events = [
        user("mất thẻ", "report_lost_card"),
        user("14/03/1988", "inform"),
        slot("dob", "14/03/1988"),
    ]
    tracker = make_tracker(
        events,
        {"card_last4": "4821", "dob": "14/03/1988", "requested_slot": "dob"},
        active_loop="lost_card_form",
    )
    _, result = run(ValidateLostCardForm(), tracker)
    assert slot_events(result)["dob"] == "1988-03-14"
