"""A customer in the queue who takes the request for a person back goes back to the bot,
told so; an urgent case stays with people. Nobody waits in silence for an agent they no
longer want."""

from __future__ import annotations

import pytest

from bot.handoff.withdraw import withdraws
from tests.support.clients import Agent, Customer, wait_for


@pytest.mark.parametrize(
    ("text", "called_off"),
    [
        ("thôi khỏi, để em hỏi bot", True),
        ("thoi khoi nha", True),
        ("không cần gặp nhân viên nữa đâu", True),
        ("never mind, I'll ask the bot", True),
        ("Forget it", True),
        # An opener before it: "actually", "no", "à".
        ("actually no, never mind", True),
        ("à thôi khỏi", True),
        ("ok cancel my card", False),
        # Staying after all, or saying something else that starts alike.
        ("never mind, I'll wait", False),
        ("thôi khỏi, em chờ", False),
        ("không cần gửi lại đâu", False),
        ("cancel my card", False),
        ("thôi được rồi", False),
        ("cho em hỏi phí thường niên", False),
    ],
)
def test_what_takes_the_request_back(text: str, called_off: bool) -> None:
    assert withdraws(text) is called_off


def test_a_customer_who_calls_the_person_off_goes_back_to_the_bot(start_hub) -> None:
    hub = start_hub()
    agent = Agent(hub.url)
    customer = Customer(hub.url)
    conv_id = customer.say("cho tôi gặp nhân viên").json()["conversation_id"]
    wait_for(lambda: [c["id"] for c in agent.queue()["waiting"]] == [conv_id])

    replies = customer.replies("thôi khỏi, để em hỏi bot")
    assert any("huỷ yêu cầu gặp nhân viên" in r["text"] for r in replies)
    conv = agent.conversation(conv_id)["conversation"]
    assert conv["state"] == "bot" and conv["handoff_reason"] is None
    assert agent.queue()["waiting"] == []
    events = agent.conversation(conv_id)["events"]
    assert any(e.get("to") == "bot" and e.get("actor") == "customer" for e in events)


def test_an_urgent_case_keeps_its_place(start_hub) -> None:
    hub = start_hub()
    agent = Agent(hub.url)
    customer = Customer(hub.url)
    said = "tôi bị mất thẻ, cho tôi gặp nhân viên gấp"
    conv_id = customer.say(said).json()["conversation_id"]
    waiting = wait_for(lambda: agent.queue()["waiting"])
    assert [(c["id"], c["priority"]) for c in waiting] == [(conv_id, 2)]  # a lost card

    replies = customer.replies("never mind")
    assert any("kept your place" in r["text"] or "giữ chỗ" in r["text"] for r in replies)
    assert agent.conversation(conv_id)["conversation"]["state"] == "waiting"
