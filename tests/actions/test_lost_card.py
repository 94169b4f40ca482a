"""Lost card: identity check and card block against the real hub and demo database."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("rasa_sdk")

from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.lost_card import ActionBlockCard, ValidateLostCardForm, block_reason  # noqa: E402
from tests.actions.trackers import (  # noqa: E402
    DOMAIN,
    action,
    make_tracker,
    responses,
    run,
    slot,
    slot_events,
    texts,
    user,
)

PHONES = {"4821": "0901234567", "7305": "0912345678", "5560": "0934567890"}


def lost_card_tracker(report: str, last4: str, dob: str, **slots: object):
    """A customer who is not signed in: named by the phone registered with the bank."""
    events = [
        user(report, "report_lost_card"),
        action("lost_card_form"),
        user(last4, "inform"),
        slot("card_last4", last4),
        user(dob, "inform"),
        slot("dob", dob),
    ]
    values = {"phone": PHONES.get(last4, "0901234567"), "card_last4": last4, "dob": dob}
    return make_tracker(events, {**values, **slots})


def test_verified_customer_gets_the_card_blocked(hub) -> None:
    tracker = lost_card_tracker("tôi bị mất thẻ", "4821", "1988-03-14")
    dispatcher, events = run(ActionBlockCard(), tracker)
    said = texts(dispatcher)
    assert "4821" in said and "BLK-" in said
    assert "5-7 ngày làm việc" in said and "1900 6868" in said
    # Blocking needs only the card check; the account would need a one-time code.
    assert "customer_id" not in slot_events(events)
    assert slot_events(events)["card_last4"] is None


def test_english_customer_gets_english_next_steps(hub) -> None:
    tracker = lost_card_tracker("my card was stolen", "5560", "1985-01-30", language="en")
    dispatcher, _ = run(ActionBlockCard(), tracker)
    said = texts(dispatcher)
    assert "Your card ending 5560 is now blocked" in said
    assert "replacement card" in said


def test_wrong_birth_date_asks_to_retry_then_hands_off_urgently(hub) -> None:
    first, events = run(ActionBlockCard(), lost_card_tracker("mất thẻ", "7305", "1990-01-01"))
    assert "chưa khớp" in texts(first) and "hỏi lại từ đầu" in texts(first)
    assert [b["payload"] for b in first.messages[0]["buttons"]] == ["/request_human"]
    # The form asks its questions again at once: typed answers just go on.
    assert {"event": "followup", "name": "lost_card_form", "timestamp": None} in events
    updates = slot_events(events)
    # The phone is asked again too: the customer is never told which detail was wrong.
    assert updates["card_last4"] is None and updates["dob"] is None and updates["phone"] is None
    assert updates["verify_failures"] == 1

    second, events = run(
        ActionBlockCard(),
        lost_card_tracker("mất thẻ", "7305", "1990-01-01", verify_failures=1),
    )
    # Blocking a lost card protects the customer: when it cannot be done, the card team
    # gets the conversation at once, with the flow's reason (urgent in the queue).
    assert responses(second) == ["utter_handoff"]
    assert second.messages[-1]["custom"]["handoff"]["reason"] == "lost_card"
    assert events[-1]["event"] == "pause"


def test_hub_down_is_explained_and_the_conversation_handed_off(hub_down) -> None:
    dispatcher, events = run(ActionBlockCard(), lost_card_tracker("mất thẻ", "4821", "1988-03-14"))
    assert "1900 6868" in texts(dispatcher)
    assert responses(dispatcher) == ["utter_handoff"]
    assert dispatcher.messages[-1]["custom"]["handoff"]["reason"] == "lost_card"
    assert events[-1]["event"] == "pause"


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


def test_signed_in_customer_is_checked_against_their_own_record(hub) -> None:
    """No phone needed when signed in, and another customer's card does not pass."""
    own = lost_card_tracker("mất thẻ", "7305", "1992-11-02", phone=None, customer_id="C002")
    dispatcher, _ = run(ActionBlockCard(), own)
    assert "7305" in texts(dispatcher) and "BLK-" in texts(dispatcher)
    # C001's card and birth date, in C002's signed-in conversation: not C002's, so no block.
    other = lost_card_tracker("mất thẻ", "4821", "1988-03-14", phone=None, customer_id="C002")
    dispatcher, _ = run(ActionBlockCard(), other)
    assert "BLK-" not in texts(dispatcher) and "chưa khớp" in texts(dispatcher)


def test_form_asks_the_registered_phone_only_when_not_signed_in() -> None:
    form = ValidateLostCardForm()
    events = [user("mất thẻ", "report_lost_card"), action("lost_card_form")]

    def required(tracker) -> list[str]:
        return asyncio.run(
            form.required_slots(form.domain_slots(DOMAIN), CollectingDispatcher(), tracker, DOMAIN)
        )

    anonymous = make_tracker(events, active_loop="lost_card_form")
    assert required(anonymous) == ["phone", "card_last4", "dob"]
    signed = make_tracker(events, {"customer_id": "C001"}, active_loop="lost_card_form")
    assert required(signed) == ["card_last4", "dob"]
    _, result = run(form, signed)
    assert slot_events(result)["requested_slot"] == "card_last4"

    typed = [*events, user("+84 912 345 678", "inform"), slot("phone", "+84 912 345 678")]
    tracker = make_tracker(
        typed, {"phone": "+84 912 345 678", "requested_slot": "phone"}, active_loop="lost_card_form"
    )
    _, result = run(form, tracker)
    assert slot_events(result)["phone"] == "0912345678"
