"""Races a real hub must survive, shared by the SQLite and PostgreSQL suites."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.clients import Agent, Customer

# The race sends a burst no person types: hubs that run it lift the intake limits
# (bot/pipeline/throttle.py) that would otherwise refuse part of it.
RACE_LIMITS = {
    "intake_visitor_messages_per_min": "1000",
    "intake_visitor_chars_per_min": "1000000",
    "intake_max_pending_per_conversation": "1000",
    "intake_max_pending_per_visitor": "1000",
}


def customer_and_agent_race(hub_url: str, n: int = 20) -> int:
    """n customer messages and n agent replies to one conversation at once (this once
    deadlocked the database pool against a per-conversation lock). Asserts: no 5xx, all
    stored once, sequence numbers unique and gap-free. Returns the conversation id."""
    customer = Customer(hub_url)
    conv_id = customer.say("cho tôi gặp nhân viên").json()["conversation_id"]
    agent = Agent(hub_url)
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    path = f"/api/conversations/{conv_id}/messages"

    def customer_says(i: int) -> int:
        headers = {"Authorization": f"Bearer {customer.token}"}
        with httpx.Client(base_url=hub_url, timeout=120, headers=headers) as http:
            body = {"text": f"khách {i}", "client_id": f"race-{i}"}
            return http.post("/api/widget/messages", json=body).status_code

    def agent_says(i: int) -> int:
        return agent.http.post(path, json={"text": f"nhân viên {i}"}, timeout=120).status_code

    with ThreadPoolExecutor(2 * n) as pool:
        futures = [pool.submit(customer_says, i) for i in range(n)]
        futures += [pool.submit(agent_says, i) for i in range(n)]
        statuses = [f.result() for f in futures]
    assert statuses == [200] * (2 * n), statuses
    messages = customer.history()["messages"]
    texts = [m["text"] for m in messages]
    assert sorted(t for t in texts if t.startswith("khách ")) == sorted(
        f"khách {i}" for i in range(n)
    )
    assert sorted(t for t in texts if t.startswith("nhân viên ")) == sorted(
        f"nhân viên {i}" for i in range(n)
    )
    seqs = [m["seq"] for m in messages if m["conversation_id"] == conv_id]
    assert seqs == list(range(1, len(seqs) + 1))  # unique, gap-free, in stored order
    return conv_id
