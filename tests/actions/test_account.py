"""Account questions answered from the real hub, in the customer's language."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk")

from actions.account import ActionCheckApplicationStatus, ActionCheckDueDate  # noqa: E402
from tests.actions.trackers import make_tracker, responses, run, slot_events, texts, user  # noqa: E402


def test_signed_in_customer_gets_due_date_in_vietnamese(hub) -> None:
    tracker = make_tracker(
        [user("khi nào đến hạn thanh toán", "check_due_date")], {"customer_id": "C002"}
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    said = texts(dispatcher)
    assert "10/12/2026" in said
    assert "38.900.000 ₫" in said and "1.945.000 ₫" in said


def test_due_date_in_english(hub) -> None:
    tracker = make_tracker(
        [user("when is my payment due", "check_due_date")],
        {"customer_id": "C001", "language": "en"},
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    said = texts(dispatcher)
    assert "5 Dec 2026" in said and "VND 12,450,000" in said and "VND 622,500" in said


def test_customer_id_from_the_widget_metadata_is_used(hub) -> None:
    tracker = make_tracker(
        [user("han thanh toan", "check_due_date", metadata={"customer_id": "C005"})]
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    assert "01/12/2026" in texts(dispatcher) and "4.100.000 ₫" in texts(dispatcher)


def test_debit_only_customer_has_no_due_date(hub) -> None:
    tracker = make_tracker(
        [user("due date?", "check_due_date")], {"customer_id": "C003", "language": "en"}
    )
    dispatcher, _ = run(ActionCheckDueDate(), tracker)
    assert "no credit card" in texts(dispatcher)


def test_unknown_customer_is_verified_then_answered(hub) -> None:
    tracker = make_tracker(
        [user("hồ sơ của tôi đến đâu rồi", "check_application_status")],
        {"card_last4": "7305", "dob": "1992-11-02"},
    )
    dispatcher, events = run(ActionCheckApplicationStatus(), tracker)
    assert "Sen Vàng Signature" in texts(dispatcher)
    assert "đang được thẩm định" in texts(dispatcher)
    updates = slot_events(events)
    assert updates["customer_id"] == "C002"
    assert updates["card_last4"] is None and updates["dob"] is None


def test_application_needing_documents_in_english(hub) -> None:
    tracker = make_tracker(
        [user("status of my application", "check_application_status")],
        {"customer_id": "C004", "language": "en"},
    )
    dispatcher, _ = run(ActionCheckApplicationStatus(), tracker)
    assert "we need more documents" in texts(dispatcher)


def test_no_applications(hub) -> None:
    tracker = make_tracker([user("ho so", "check_application_status")], {"customer_id": "C001"})
    dispatcher, _ = run(ActionCheckApplicationStatus(), tracker)
    assert "không có hồ sơ" in texts(dispatcher)


def test_failed_verification_does_not_answer(hub) -> None:
    tracker = make_tracker(
        [user("due date", "check_due_date")], {"card_last4": "4821", "dob": "1970-01-01"}
    )
    dispatcher, events = run(ActionCheckDueDate(), tracker)
    assert "12.450.000" not in texts(dispatcher)
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/check_due_date"
    assert "customer_id" not in slot_events(events)


def test_hub_down(hub_down) -> None:
    tracker = make_tracker([user("due date", "check_due_date")], {"customer_id": "C001"})
    dispatcher, events = run(ActionCheckDueDate(), tracker)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert slot_events(events)["offer_reason"] == "hub_unavailable"
