"""Offers follow what the bot understood, not a keyword list: a complaint worded without
any complaint keyword gets no offer beside it, and a cancellation gets only the retention
prompt, once the real Rasa has classified the message and handed the customer over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.api.widget_identity import sign_customer
from tandem.settings import DEMO_SECRET
from tests.assist.test_assist_api import rows
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import HubProcess, RasaStack


def close_open_conversations(hub: HubProcess, customer_id: str) -> None:
    """The stack is shared: end what this customer still has open, so the message below
    starts a conversation of its own with the bot."""
    supervisor = Agent(hub.url, "quan")
    queue = supervisor.queue()
    resolved = False
    for conv in queue["waiting"] + queue["assigned"]:
        if conv["customer_id"] == customer_id:
            supervisor.post(f"/api/conversations/{conv['id']}/resolve", code="other")
            resolved = True
    if resolved:
        # The resolution asked for a rating: the customer's next words would answer it
        # (bot/reporting/surveys.py). A comment closes the survey for the test after it.
        customer = Customer(
            hub.url, customer_id=customer_id, signature=sign_customer(DEMO_SECRET, customer_id)
        )
        sent = customer.say("Cảm ơn, không có góp ý thêm").json()["message"]["id"]
        wait_for(
            lambda: any(m.get("reply_to") == sent for m in customer.history()["messages"]), 120
        )


@pytest.fixture
def hub(live_stack: tuple[HubProcess, RasaStack]) -> Iterator[HubProcess]:
    hub, _ = live_stack
    close_open_conversations(hub, "C001")
    yield hub
    close_open_conversations(hub, "C001")


def handed_over(hub: HubProcess, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """C001 (93% of card spend in retail, no travel card: the travel-and-dining card is
    their cross-sell) writes ``text``; returns the conversation once the bot has handed it
    over, and the assist an agent opening it gets."""
    customer = Customer(hub.url, customer_id="C001", signature=sign_customer(DEMO_SECRET, "C001"))
    reply = customer.say(text).json()
    conv_id, message_id = reply["conversation_id"], reply["message"]["id"]
    agent = Agent(hub.url)
    conv = wait_for(
        lambda: (c := agent.conversation(conv_id)["conversation"])["handoff_reason"] and c, 120
    )
    # The offer decided when the message arrived is stored (its suggestions are recorded
    # as pushed after it): what the agent gets below is decided again, not merely computed
    # late.
    query = "SELECT id FROM suggestion_events WHERE message_id = ? AND event = 'pushed'"
    wait_for(lambda: rows(hub, query, message_id))
    response = agent.http.get(f"/api/conversations/{conv_id}/assist")
    assert response.status_code == 200, response.text
    return conv, response.json()


def test_a_complaint_without_complaint_words_gets_no_offer(hub: HubProcess) -> None:
    conv, assist = handed_over(
        hub,
        "Nhân viên chi nhánh Cầu Giấy phục vụ rất chậm và thái độ không tốt, tôi muốn phản ánh",
    )
    assert conv["handoff_reason"] == "complaint"
    assert assist["offer"] is None
    assert assist["suppressed"] == "complaint"


def test_a_cancellation_gets_only_the_retention_prompt(hub: HubProcess) -> None:
    conv, assist = handed_over(hub, "I'd like to terminate my credit card")
    assert conv["handoff_reason"] == "churn_risk"
    assert assist["churn_risk"] is True
    assert assist["offer"]["kind"] == "retention"
    assert assist["offer"]["offer_id"] == "fee-waiver-retention"
