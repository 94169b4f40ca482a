"""A busy bot is not a dead bot: the real hub, Rasa and action server under faults.

- Rasa slowed down by 10 s (a delaying proxy in front of it): the reply arrives, no hand-off.
- The action server down: a polite message and the offer of a person.
- The action server down for two turns in a row: the second hands the customer to a
  person (reason ``bot_could_not_act``); a good turn in between starts the count again.
- Rasa killed and restarted: conversations queued only because the bot failed go back to
  it; one where the customer asked for a person stays with the people; every message the
  customer wrote while the bot was down gets the bot's answer, in order, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import Agent, Customer, wait_for
from tests.support.faults import DelayProxy
from tests.support.stack import HubProcess, RasaStack

pytestmark = pytest.mark.rasa


@pytest.fixture
def slow_rasa(live_stack: tuple[HubProcess, RasaStack]) -> Iterator[DelayProxy]:
    _, rasa = live_stack
    proxy = DelayProxy(rasa.url, delay_s=10, paths=("/webhooks/",)).start()
    yield proxy
    proxy.stop()


def test_slow_bot_is_waited_for_not_handed_off(
    live_stack: tuple[HubProcess, RasaStack],
    slow_rasa: DelayProxy,
    tmp_path: Path,
    shared_index_dir: Path,
) -> None:
    hub = HubProcess(
        tmp_path,
        rasa_url=slow_rasa.url,
        index_dir=shared_index_dir,
        extra_env={"TANDEM_ACTIONS_URL": live_stack[1].actions_url},
    )
    hub.init_db()
    hub.start()
    try:
        customer = Customer(hub.url)
        reply = customer.say("xin chào").json()
        assert slow_rasa.delayed >= 1  # the message really went through the slow hop
        assert reply["replies"] and all(r["sender"] == "bot" for r in reply["replies"])
        assert customer.history()["state"] == "bot"
        assert Agent(hub.url).queue()["waiting"] == []
    finally:
        hub.stop()


def test_action_server_down_gets_a_polite_message_and_the_offer_of_a_person(
    live_stack: tuple[HubProcess, RasaStack],
) -> None:
    hub, rasa = live_stack
    rasa.kill_actions()
    try:
        customer = Customer(hub.url)
        # Answered by a custom action (knowledge search), which cannot run now.
        reply = customer.say("Phí thường niên của thẻ Classic là bao nhiêu?").json()
        texts = " ".join(r["text"] for r in reply["replies"])
        assert "nhân viên" in texts
        buttons = [b["payload"] for r in reply["replies"] for b in r["buttons"]]
        assert "/request_human" in buttons
        assert customer.history()["state"] == "bot"  # offered, not pushed into the queue
        # Accepting the offer puts them in the queue.
        customer.say("/request_human")
        assert wait_for(lambda: customer.history()["state"] == "waiting", 60)
    finally:
        rasa.start_actions()


def test_rasa_restart_returns_conversations_to_the_bot(
    live_stack: tuple[HubProcess, RasaStack],
) -> None:
    hub, rasa = live_stack
    rasa.kill_rasa()
    try:
        only_failed = Customer(hub.url)
        first = only_failed.say("Cho mình hỏi hạn thanh toán thẻ").json()
        assert any("sự cố" in r["text"] for r in first["replies"])
        asked = Customer(hub.url)
        asked.say("cho tôi gặp nhân viên")
        agent = Agent(hub.url)
        waiting = {c["id"]: c for c in agent.queue()["waiting"]}
        assert waiting[first["conversation_id"]]["handoff_reason"] == "bot_unavailable"
    finally:
        rasa.start_rasa()
    # Back to the bot once Rasa answers the hub's probe again, with a word to the customer.
    wait_for(lambda: only_failed.history()["state"] == "bot", 120, 1.0)
    assert any("hoạt động trở lại" in t for _, t in only_failed.texts())
    again = only_failed.say("xin chào").json()
    assert again["replies"] and all(r["sender"] == "bot" for r in again["replies"])
    # The customer who asked for a person keeps their place in the queue.
    assert asked.history()["state"] == "waiting"


def test_action_server_down_twice_in_a_row_hands_off_to_a_person(
    live_stack: tuple[HubProcess, RasaStack],
) -> None:
    hub, rasa = live_stack
    customer = Customer(hub.url)
    faq = "Phí thường niên của thẻ Classic là bao nhiêu?"
    rasa.kill_actions()
    try:
        offered = customer.say(faq).json()  # the first failure: offered a person
        assert "/request_human" in [b["payload"] for r in offered["replies"] for b in r["buttons"]]
        assert customer.history()["state"] == "bot"
    finally:
        rasa.start_actions()
    # A good turn in between: the count starts again.
    good = customer.say(faq).json()
    assert good["replies"] and all(r["sender"] == "bot" for r in good["replies"])
    rasa.kill_actions()
    try:
        again = customer.say(faq).json()  # one failure since the good turn: offered again
        assert "/request_human" in [b["payload"] for r in again["replies"] for b in r["buttons"]]
        assert customer.history()["state"] == "bot"
        # The second failure in a row: told, and queued for a person.
        last = customer.say("Hạn mức thẻ Gold là bao nhiêu?").json()
        assert any("không cần gửi lại" in r["text"] for r in last["replies"])
        assert wait_for(lambda: customer.history()["state"] == "waiting", 60)
        waiting = {c["id"]: c for c in Agent(hub.url).queue()["waiting"]}
        assert waiting[last["conversation_id"]]["handoff_reason"] == "bot_could_not_act"
    finally:
        rasa.start_actions()


def _bot_answers(customer: Customer) -> tuple[list[int], list[int]] | None:
    """The customer's message ids, and the messages the bot's replies answer, one entry per
    run of replies in the order written (a message answered twice shows twice); None until
    every customer message has a bot reply."""
    messages: list[dict[str, Any]] = customer.history()["messages"]
    asked = [m["id"] for m in messages if m["sender"] == "customer"]
    answered: list[int] = []
    for m in sorted(messages, key=lambda m: m["seq"]):
        if m["sender"] == "bot" and (not answered or answered[-1] != m["reply_to"]):
            answered.append(m["reply_to"])
    return (asked, answered) if set(asked) <= set(answered) else None


def test_messages_written_while_rasa_was_down_are_answered_when_it_returns(
    live_stack: tuple[HubProcess, RasaStack],
) -> None:
    hub, rasa = live_stack
    rasa.kill_rasa()
    try:
        customer = Customer(hub.url)
        first = customer.say("Cho mình hỏi hạn thanh toán thẻ").json()
        assert any("sự cố" in r["text"] for r in first["replies"])
        # Written while queued: no person has taken the conversation, nobody answers yet.
        customer.say("Phí thường niên của thẻ Classic là bao nhiêu?")
        customer.say("Hạn mức thẻ Gold là bao nhiêu?")
        assert customer.history()["state"] == "waiting"
        assert _bot_answers(customer) is None
    finally:
        rasa.start_rasa()
    # Once Rasa answers the hub's probe, the bot answers all three, in order, once.
    asked, answered = wait_for(lambda: _bot_answers(customer), 180, 1.0)
    assert answered == asked
    assert customer.history()["state"] == "bot"
    texts = [t for _, t in customer.texts()]
    assert sum("sự cố" in t for t in texts) == 1
    assert sum("hoạt động trở lại" in t for t in texts) == 1
