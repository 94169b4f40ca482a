"""End to end with the real Rasa server and action server behind the hub."""

from __future__ import annotations

import pytest

from tests.support.clients import Agent, Customer

pytestmark = pytest.mark.rasa


def test_widget_conversation_with_the_bot(live_stack) -> None:
    hub, _ = live_stack
    customer = Customer(hub.url)
    greeting = customer.say("xin chào").json()
    assert greeting["replies"], "the bot answered"
    assert all(r["sender"] == "bot" for r in greeting["replies"])
    faq = customer.say("What is the annual fee of the Classic card?").json()
    answer = " ".join(r["text"] for r in faq["replies"])
    assert "annual fee" in answer.lower() or "fee" in answer.lower()
    assert customer.history()["state"] == "bot"


def test_handoff_then_agent_claims_replies_and_resolves_in_order(live_stack) -> None:
    hub, _ = live_stack
    customer = Customer(hub.url)
    customer.say("Cho mình hỏi phí thường niên thẻ Classic")
    handoff = customer.say("tôi muốn gặp nhân viên").json()
    conv_id = handoff["conversation_id"]
    agent = Agent(hub.url, "minh")
    detail = agent.conversation(conv_id)
    assert detail["conversation"]["state"] == "waiting"
    context = detail["conversation"]["context"]
    assert "request_human" in context["intents"]
    assert context["language"] == "vi"
    # While waiting, the customer's messages are stored but never go to the bot.
    customer.say("Mình đợi nhé")
    assert agent.post(f"/api/conversations/{conv_id}/claim").status_code == 200
    agent.post(
        f"/api/conversations/{conv_id}/messages", text="Chào anh, em là Minh, em hỗ trợ anh nhé."
    ).raise_for_status()
    customer.say("Cảm ơn em")
    agent.post(f"/api/conversations/{conv_id}/resolve", code="answered").raise_for_status()
    messages = customer.history()["messages"]
    senders = [m["sender"] for m in messages]
    texts = [m["text"] for m in messages]
    i_wait, i_agent, i_thanks = (
        texts.index("Mình đợi nhé"),
        texts.index("Chào anh, em là Minh, em hỗ trợ anh nhé."),
        texts.index("Cảm ơn em"),
    )
    assert i_wait < i_agent < i_thanks
    assert "bot" not in senders[i_wait:], "no bot reply once the conversation is handed off"
    assert (
        senders[-1] == "system"
        and agent.conversation(conv_id)["conversation"]["state"] == "resolved"
    )
    assert [m["seq"] for m in messages] == sorted(m["seq"] for m in messages)
