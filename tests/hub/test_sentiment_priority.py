"""The customer's mood in a handed-off conversation (bot/handoff/mood.py): every customer
message is scored, the conversation keeps the latest verdict, and a strongly negative one
raises the priority to high with its reason, recorded and shown, never lowering urgent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import HubProcess

ROUTINE = "cho tôi gặp nhân viên"  # Rasa is down: queued with reason bot_unavailable
FRAUD = "Tài khoản có giao dịch lạ, tôi bị lừa đảo rồi"  # urgent by the rules
NEUTRAL = "Cho tôi hỏi phí thường niên thẻ Visa Gold là bao nhiêu?"
UPSET = "Chờ cả tiếng rồi mà không ai trả lời, bực mình quá!!!"


def card(agent: Agent, conv_id: int) -> dict[str, Any]:
    return agent.conversation(conv_id)["conversation"]


def scored(agent: Agent, conv_id: int, label: str, after: int = 0) -> dict[str, Any] | None:
    """The conversation once a customer message later than `after` was scored `label`."""
    conv = card(agent, conv_id)
    sentiment = conv["context"].get("sentiment") or {}
    if sentiment.get("label") == label and (sentiment.get("message_id") or 0) > after:
        return conv
    return None


def last_scored(agent: Agent, conv_id: int) -> int:
    return (card(agent, conv_id)["context"].get("sentiment") or {}).get("message_id") or 0


def test_a_strongly_negative_message_raises_priority_with_its_reason(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub()
    agent = Agent(hub.url, "linh")
    customer = Customer(hub.url)
    conv_id = customer.say(ROUTINE).json()["conversation_id"]
    # The message that was handed off is scored too.
    wait_for(lambda: scored(agent, conv_id, "neutral"))
    assert card(agent, conv_id)["state"] == "waiting"
    assert card(agent, conv_id)["priority"] == 0

    # A neutral question is scored and kept, and raises nothing.
    before = last_scored(agent, conv_id)
    customer.say(NEUTRAL)
    conv = wait_for(lambda: scored(agent, conv_id, "neutral", after=before))
    assert conv["priority"] == 0 and "priority_because" not in conv["context"]

    before = last_scored(agent, conv_id)
    customer.say(UPSET)
    conv = wait_for(lambda: scored(agent, conv_id, "negative", after=before))
    assert conv["priority"] == 1
    sentiment = conv["context"]["sentiment"]
    assert sentiment["strongly_negative"] and "bực mình quá" in sentiment["cues"]
    because = conv["context"]["priority_because"]
    assert because["kind"] == "sentiment" and because["cue"] == "bực mình quá"
    assert because["text"] == "Khách bức xúc: “bực mình quá”"
    # Recorded in the conversation's history like other changes, and in the queue order.
    events = agent.conversation(conv_id)["events"]
    raised = [e for e in events if e["kind"] == "priority"]
    assert len(raised) == 1 and raised[0]["note"] == because["text"]
    assert raised[0]["actor"] == "sentiment"
    waiting = {c["id"]: c for c in agent.queue()["waiting"]}
    assert waiting[conv_id]["priority"] == 1

    # A second outburst raises nothing more (high is the ceiling) and writes no new event.
    customer.say("đm chờ hoài, vô dụng")
    wait_for(lambda: "đm" in card(agent, conv_id)["context"]["sentiment"]["cues"])
    assert card(agent, conv_id)["priority"] == 1
    assert sum(e["kind"] == "priority" for e in agent.conversation(conv_id)["events"]) == 1


def test_urgent_stays_urgent_and_assigned_conversations_are_scored(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub()
    agent = Agent(hub.url, "linh")
    customer = Customer(hub.url)
    conv_id = customer.say(FRAUD).json()["conversation_id"]
    wait_for(lambda: card(agent, conv_id)["priority"] == 2)
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    assert card(agent, conv_id)["state"] == "assigned"

    before = last_scored(agent, conv_id)
    customer.say(UPSET)
    conv = wait_for(lambda: scored(agent, conv_id, "negative", after=before))
    assert conv["priority"] == 2 and "priority_because" not in conv["context"]
    assert not any(e["kind"] == "priority" for e in agent.conversation(conv_id)["events"])

    # A form answer does not replace how they felt; words of thanks do.
    customer.say("0909123456")
    customer.say("Cảm ơn bạn nhiều, đã giải quyết xong rồi")
    wait_for(lambda: scored(agent, conv_id, "positive"))
