"""An anonymous customer's account question through the widget, the real Rasa server, the
action server and the hub: the card digits and birth date are not enough, the bot asks for
the one-time code texted to the registered phone (the demo's SMS outbox) and answers only
after it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import ROOT

pytestmark = pytest.mark.rasa


def replies(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return " ".join(r["text"] or "" for r in response.json()["replies"])


def test_due_date_for_an_anonymous_customer_needs_the_code(live_stack) -> None:
    hub, _ = live_stack
    # Demo mode with no SMS gateway: the code goes to <var_dir>/sms-outbox.jsonl.
    outbox = Path(hub.env().get("TANDEM_VAR_DIR") or ROOT / "var") / "sms-outbox.jsonl"
    sent_before = len(outbox.read_text(encoding="utf-8").splitlines()) if outbox.exists() else 0
    customer = Customer(hub.url)

    asked = replies(customer.say("dư nợ thẻ của tôi bao nhiêu"))
    assert "số điện thoại đã đăng ký" in asked
    assert "4 số cuối" in replies(customer.say("0912 345 678"))
    assert "ngày sinh" in replies(customer.say("7305"))
    card_turn = customer.say("02/11/1992")
    after_card = replies(card_turn)
    # The card check passed, but no balance yet: a code went to the registered phone.
    assert "mã xác minh 6 chữ số" in after_card
    assert "38.900.000" not in after_card
    # The agent sees who it is and how they are known; the bot still treats them as a
    # guest (it goes on to ask for the code below, never answering from the link).
    agent = Agent(hub.url)
    conv_id = card_turn.json()["conversation_id"]
    linked = agent.conversation(conv_id)["conversation"]
    assert (linked["customer_id"], linked["verified_by"]) == ("C002", "card_dob")

    def new_text() -> dict | None:
        lines = outbox.read_text(encoding="utf-8").splitlines() if outbox.exists() else []
        return json.loads(lines[-1]) if len(lines) > sent_before else None

    sms = wait_for(new_text)
    assert sms["to"] == "0912345678"  # C002's registered phone
    match = re.search(r"\b(\d{6})\b", sms["text"])
    assert match
    code = match.group(1)

    wrong = replies(customer.say(f"{(int(code) + 1) % 10**6:06d}"))
    assert "chưa đúng" in wrong and "38.900.000" not in wrong
    answer = replies(customer.say(code))
    assert "38.900.000 ₫" in answer and "10/12/2026" in answer
    assert agent.conversation(conv_id)["conversation"]["verified_by"] == "otp"
    # The code is not stored as the customer typed it anywhere the bot shows.
    assert customer.history()["state"] == "bot"
