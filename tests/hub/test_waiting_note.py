"""A customer in the queue who writes is told, once per wait, that the message is kept for
the agent: silence until someone picks the conversation up would read as lost."""

from __future__ import annotations

from tests.support.clients import Agent, Customer, wait_for


def test_the_first_message_in_the_queue_is_acknowledged_once(start_hub) -> None:
    hub = start_hub()
    agent = Agent(hub.url)
    customer = Customer(hub.url)
    conv_id = customer.say("cho tôi gặp nhân viên").json()["conversation_id"]
    wait_for(lambda: [c["id"] for c in agent.queue()["waiting"]] == [conv_id])

    first = customer.replies("vì phí thường niên cao quá")
    assert any("chuyển tin nhắn của bạn cho nhân viên" in r["text"] for r in first)
    second = customer.say("mà tôi dùng thẻ này 5 năm rồi").json()["message"]["id"]
    # Messages of a conversation are handled in order: once the next one is answered,
    # the second has been handled, without a note of its own.
    assert customer.replies("cho tôi gặp nhân viên")
    replies_to_second = [m for m in customer.history()["messages"] if m.get("reply_to") == second]
    assert replies_to_second == []
    assert agent.conversation(conv_id)["conversation"]["state"] == "waiting"
