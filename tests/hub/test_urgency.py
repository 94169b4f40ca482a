"""Urgency comes from rules about the customer's situation, never from being requeued."""

from __future__ import annotations

import pytest

from bot.handoff import urgency
from tandem.settings import Settings
from tests.support.clients import Agent, Customer, wait_for


@pytest.mark.parametrize(
    ("context", "reason", "expected"),
    [
        ({"intents": ["report_lost_card"]}, "customer_request", (2, "lost card")),
        ({"customer_texts": ["Có giao dịch lạ, tôi nghĩ bị lừa đảo"]}, "x", (2, "fraud")),
        ({"customer_texts": ["I want to cancel my card"]}, "x", (2, "churn risk")),
        ({"intents": ["ask_faq"]}, "frustration", (1, None)),
        ({"intents": ["ask_faq"]}, "bot_unavailable", (0, None)),
        ({}, "customer_request", (0, None)),
    ],
)
def test_rules(context: dict, reason: str, expected: tuple[int, str | None]) -> None:
    assert urgency.assess(Settings(), context, reason) == expected


def test_urgent_label_follows_the_rule_and_survives_no_requeue(start_hub) -> None:
    hub = start_hub(ack_timeout_s="1.5")
    agent = Agent(hub.url, "linh")
    fraud = Customer(hub.url).say("Tài khoản có giao dịch lạ, tôi bị lừa đảo rồi").json()
    routine = Customer(hub.url).say("cho tôi gặp nhân viên").json()
    queue = {c["id"]: c for c in agent.queue()["waiting"]}
    urgent = queue[fraud["conversation_id"]]
    assert urgent["priority"] == 2 and urgent["context"]["urgent_because"] == "fraud"
    assert queue[routine["conversation_id"]]["priority"] == 0
    # An agent who does not acknowledge: the routine conversation is requeued, not urgent.
    agent.online()
    conv_id = routine["conversation_id"]
    wait_for(lambda: agent.conversation(conv_id)["conversation"]["assigned_to"], 15)
    wait_for(
        lambda: any(
            isinstance(n, dict) and n.get("code") == "ack_timeout"
            for n in agent.conversation(conv_id)["conversation"]["context"].get(
                "transfer_notes", []
            )
        ),
        15,
    )
    assert agent.conversation(conv_id)["conversation"]["priority"] == 0
