"""Account questions answered from the real hub, in the customer's language."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.account import (  # noqa: E402
    ActionCheckApplicationStatus,
    ActionCheckDueDate,
    ValidateAccountForm,
)
from actions.clients.hub import HubClient, HubForbidden  # noqa: E402
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


def form_turn(filled: dict, typed: dict, requested: str, sender: str = "test-user"):
    """account_form after the customer typed `typed` (slot candidates, as Rasa appends them)."""
    events = [
        user("dư nợ thẻ của tôi bao nhiêu", "check_due_date"),
        action("account_form"),
        user(" ".join(str(v) for v in typed.values()), "inform"),
        *[slot(name, value) for name, value in typed.items()],
    ]
    values = {**filled, **typed, "requested_slot": requested, "account_query": "due_date"}
    return make_tracker(events, values, active_loop="account_form", sender_id=sender)


def test_signed_in_customer_gets_due_date_in_vietnamese(hub) -> None:
    tracker = make_tracker(
        [user("khi nào đến hạn thanh toán", "check_due_date")],
        {"customer_id": "C002"},
        sender_id=hub.signed_in_sender("C002"),
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    said = texts(dispatcher)
    assert "10/12/2026" in said
    assert "38.900.000 ₫" in said and "1.945.000 ₫" in said


def test_due_date_in_english(hub) -> None:
    tracker = make_tracker(
        [user("when is my payment due", "check_due_date")],
        {"customer_id": "C001", "language": "en"},
        sender_id=hub.signed_in_sender("C001"),
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    said = texts(dispatcher)
    assert "5 Dec 2026" in said and "VND 12,450,000" in said and "VND 622,500" in said


def test_customer_id_from_the_widget_metadata_is_used(hub) -> None:
    tracker = make_tracker(
        [user("han thanh toan", "check_due_date", metadata={"customer_id": "C005"})],
        sender_id=hub.signed_in_sender("C005"),
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    assert "01/12/2026" in texts(dispatcher) and "4.100.000 ₫" in texts(dispatcher)


def test_debit_only_customer_has_no_due_date(hub) -> None:
    tracker = make_tracker(
        [user("due date?", "check_due_date")],
        {"customer_id": "C003", "language": "en"},
        sender_id=hub.signed_in_sender("C003"),
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    assert "no credit card" in texts(dispatcher)


def test_anonymous_customer_passes_card_check_then_code_then_is_answered(hub) -> None:
    """Phone, card digits and birth date pass the card check; the hub texts a code to the
    registered phone; only the right code lets the account be read."""
    sender = "anon-otp-c004"
    card = {"phone": "0934567890", "card_last4": "5560"}
    dispatcher, events = run(
        ValidateAccountForm(), form_turn(card, {"dob": "30/01/1985"}, "dob", sender)
    )
    updates = slot_events(events)
    assert updates["identity_status"] == "card_dob" and updates["identity_customer"] == "C004"
    # The form's own slot list now ends with the code, so Rasa asks for it next.
    assert updates.get("requested_slot", "otp_code") == "otp_code"
    # A card check alone shows nothing: the hub refuses this conversation the account.
    with pytest.raises(HubForbidden):
        HubClient.from_env().account("C004", sender)
    phone, code = hub.sms_codes()[-1]
    assert phone == "0934567890"

    passed = {**card, "dob": "1985-01-30", "identity_status": "card_dob"}
    passed["identity_customer"] = "C004"
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    dispatcher, events = run(
        ValidateAccountForm(), form_turn(passed, {"otp_code": wrong}, "otp_code", sender)
    )
    assert slot_events(events)["otp_code"] is None and "còn 2 lần" in texts(dispatcher)

    dispatcher, events = run(
        ValidateAccountForm(), form_turn(passed, {"otp_code": code}, "otp_code", sender)
    )
    updates = slot_events(events)
    assert updates["otp_code"] == "passed" and updates["identity_status"] == "otp"
    assert updates["requested_slot"] is None
    assert code not in str(events)  # the code is not kept in the tracker

    answered = make_tracker(
        [user("dư nợ thẻ của tôi bao nhiêu", "check_due_date")],
        {**passed, "identity_status": "otp", "otp_code": "passed"},
        sender_id=sender,
    )
    dispatcher, events = run(ActionCheckDueDate(), answered)
    assert "Sen Vàng Dining Visa" in texts(dispatcher)
    assert slot_events(events)["customer_id"] == "C004"


def test_card_check_without_a_code_is_not_answered(hub) -> None:
    """The form ended without a passed code (or an action skipped it): no account data."""
    tracker = make_tracker(
        [user("dư nợ thẻ của tôi bao nhiêu", "check_due_date")],
        {"identity_status": "card_dob", "identity_customer": "C002"},
        sender_id="anon-skip",
    )
    dispatcher, events = run(ActionCheckDueDate(), tracker)
    assert "38.900.000" not in texts(dispatcher)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert "customer_id" not in slot_events(events)
    # And an action that claims a customer it has not proved gets nothing from the hub.
    claimed = make_tracker(
        [user("dư nợ", "check_due_date")], {"customer_id": "C002"}, sender_id="anon-claim"
    )
    dispatcher, events = run(ActionCheckDueDate(), claimed)
    assert "38.900.000" not in texts(dispatcher)
    assert slot_events(events)["customer_id"] is None


def test_repeated_wrong_details_lock_the_check(hub) -> None:
    """Guesses against one customer from new conversations: after the limit the hub refuses
    to check even the right details, and the customer is told to wait or offered a person."""
    target = {"phone": "0976543210", "card_last4": "3342"}
    for n in range(5):
        run(
            ValidateAccountForm(),
            form_turn(target, {"dob": f"0{n + 1}/01/1970"}, "dob", f"guess-{n}"),
        )
    dispatcher, events = run(
        ValidateAccountForm(), form_turn(target, {"dob": "09/09/1995"}, "dob", "guess-last")
    )
    assert "quá nhiều lần" in texts(dispatcher)
    updates = slot_events(events)
    assert updates["identity_status"] == "locked" and updates["requested_slot"] is None

    ended = make_tracker(
        [user("dư nợ", "check_due_date")], {"identity_status": "locked"}, sender_id="guess-last"
    )
    dispatcher, _ = run(ActionCheckDueDate(), ended)
    assert responses(dispatcher) == ["utter_offer_human"]


def test_application_needing_documents_in_english(hub) -> None:
    tracker = make_tracker(
        [user("status of my application", "check_application_status")],
        {"customer_id": "C004", "language": "en"},
        sender_id=hub.signed_in_sender("C004"),
    )
    dispatcher, _ = run(ActionCheckApplicationStatus(), tracker)
    assert "we need more documents" in texts(dispatcher)


def test_no_applications(hub) -> None:
    tracker = make_tracker(
        [user("ho so", "check_application_status")],
        {"customer_id": "C001"},
        sender_id=hub.signed_in_sender("C001"),
    )
    dispatcher, _ = run(ActionCheckApplicationStatus(), tracker)
    assert "không có hồ sơ" in texts(dispatcher)


def test_failed_verification_does_not_answer(hub) -> None:
    card = {"phone": "0901234567", "card_last4": "4821"}
    dispatcher, events = run(ValidateAccountForm(), form_turn(card, {"dob": "1970-01-01"}, "dob"))
    assert "chưa khớp" in texts(dispatcher)
    updates = slot_events(events)
    assert updates["card_last4"] is None and updates["dob"] is None and updates["phone"] is None
    assert updates["requested_slot"] == "phone"
    assert "identity_status" not in updates and "customer_id" not in updates


def test_hub_down(hub_down) -> None:
    tracker = make_tracker([user("due date", "check_due_date")], {"customer_id": "C001"})
    dispatcher, events = run(ActionCheckDueDate(), tracker)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert slot_events(events)["offer_reason"] == "hub_unavailable"
