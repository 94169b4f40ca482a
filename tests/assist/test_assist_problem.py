"""The agent's suggestions follow the customer's problem, not their form answers: a fraud
report followed by card digits, a date of birth and "yes" still finds the disputes entry,
however long ago the problem was stated, and a short follow-up carries the topic of the
question before it. A real hub and the real knowledge index; Rasa is down, so every
message reaches the agent's queue and the assist engine sees each one."""

from __future__ import annotations

import sqlite3
from typing import Any

from websockets.sync.client import ClientConnection

from tests.assist.test_assist_api import agent_socket, hub, known_customer, next_event, rows
from tests.support.clients import Agent
from tests.support.stack import HubProcess

__all__ = ["agent_socket", "hub"]  # fixtures shared with the assist API tests


def state_earlier(hub: HubProcess, message_id: int, minutes: int) -> None:
    """Move a stored message back in time, as if the customer had written it long ago."""
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        db.execute(
            "UPDATE messages SET created_at = strftime('%Y-%m-%d %H:%M:%f', created_at, ?) "
            "WHERE id = ?",
            (f"-{minutes} minutes", message_id),
        )
    assert rows(hub, "SELECT id FROM messages WHERE id = ?", message_id)


def say_and_wait(customer: Any, ws: ClientConnection, text: str) -> tuple[int, dict[str, Any]]:
    """Send one message and wait for the suggestions pushed for that very message."""
    reply = customer.say(text).json()
    conv_id, message_id = reply["conversation_id"], reply["message"]["id"]
    while True:
        event = next_event(ws, "suggestions", conv_id)
        if event["message_id"] == message_id:
            return conv_id, event


def entry_ids(suggestions: list[dict[str, Any]]) -> list[str]:
    return [s["entry_id"] for s in suggestions[:3]]


def test_claim_time_suggestions_come_from_the_problem_not_the_form_answers(
    hub: HubProcess, agent_socket: tuple[Agent, ClientConnection]
) -> None:
    agent, ws = agent_socket
    customer = known_customer(hub, "C004")
    problem = "I just saw a strange 5 million transaction on my card, it wasn't me"
    conv_id, first = say_and_wait(customer, ws, problem)
    assert "disputes-unrecognised-transaction" in entry_ids(first["suggestions"])
    state_earlier(hub, first["message_id"], minutes=12)

    for answer in ("5560", "30/01/1985"):
        say_and_wait(customer, ws, answer)
    _, last = say_and_wait(customer, ws, "yes")
    assert "disputes-unrecognised-transaction" in entry_ids(last["suggestions"])

    # What the agent sees on claiming the conversation.
    assert agent.post(f"/api/conversations/{conv_id}/claim").status_code == 200
    current = agent.http.get(f"/api/conversations/{conv_id}/assist").json()
    assert current["message_id"] == last["message_id"]
    assert "disputes-unrecognised-transaction" in entry_ids(current["suggestions"])


def test_a_follow_up_carries_the_topic_of_the_question_before(
    hub: HubProcess, agent_socket: tuple[Agent, ClientConnection]
) -> None:
    _, ws = agent_socket
    customer = known_customer(hub, "C001")
    _, first = say_and_wait(customer, ws, "Phí thường niên thẻ Visa Gold là bao nhiêu?")
    assert first["suggestions"][0]["entry_id"] == "fees-annual-fee"
    # The customer read the answer and came back to it a while later.
    state_earlier(hub, first["message_id"], minutes=8)
    _, follow_up = say_and_wait(customer, ws, "còn thẻ Platinum thì sao?")
    assert follow_up["suggestions"][0]["entry_id"] == "fees-annual-fee"
