"""Routing in the running hub (bot/handoff/dispatch.py): one offer at a time up to the
agent's capacity, urgent and oldest first; declines and cool-downs; away agents' offers and
unanswered conversations return to their place; supervisors set capacity and skills; a
service-level breach raises a live alert."""

from __future__ import annotations

from typing import Any

from tests.support.clients import Agent, Customer, wait_for

FRAUD = "Tài khoản có giao dịch lạ, tôi bị lừa đảo rồi"
ROUTINE = "cho tôi gặp nhân viên"
# Long enough that nothing times out or goes stale on a busy machine, unless a test says so.
CALM = {
    "ack_timeout_s": "600",
    "routing_urgent_ack_timeout_s": "600",
    "presence_timeout_s": "600",
}


def mine(agent: Agent) -> list[dict[str, Any]]:
    return agent.queue()["mine"]


def offers(agent: Agent) -> list[int]:
    return [c["id"] for c in mine(agent) if not c["acknowledged"]]


def one_offer(agent: Agent) -> int:
    """Wait until the agent holds exactly one offer; returns it."""
    found = wait_for(lambda: (o := offers(agent)) and o)
    assert len(found) == 1, found
    return found[0]


def test_one_offer_at_a_time_urgent_and_oldest_first_never_beyond_capacity(start_hub) -> None:
    hub = start_hub(**CALM)
    quan, linh = Agent(hub.url, "quan"), Agent(hub.url, "linh")
    set_cap = quan.http.put(f"/api/routing/agents/{linh.user['id']}", json={"capacity": 2})
    assert set_cap.status_code == 200 and set_cap.json()["capacity"] == 2
    routine = [Customer(hub.url).say(ROUTINE).json()["conversation_id"] for _ in range(2)]
    urgent = [Customer(hub.url).say(FRAUD).json()["conversation_id"] for _ in range(2)]
    later = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    # The server's order: urgent first, oldest first within a class, with positions.
    waiting = linh.queue()["waiting"]
    assert [c["id"] for c in waiting] == [*urgent, *routine, later]
    assert [c["position"] for c in waiting] == [1, 2, 3, 4, 5]

    linh.online()
    assert one_offer(linh) == urgent[0]
    assert linh.post(f"/api/conversations/{urgent[0]}/ack").status_code == 200
    assert one_offer(linh) == urgent[1]
    assert linh.post(f"/api/conversations/{urgent[1]}/ack").status_code == 200
    # Two open conversations: her capacity. Nothing more is offered however long we look.
    assert len(mine(linh)) == 2
    agents = {a["username"]: a for a in quan.http.get("/api/routing/agents").json()["agents"]}
    assert agents["linh"]["load"] == 2 and agents["linh"]["offers"] == 0
    assert len(linh.queue()["waiting"]) == 3 and len(mine(linh)) == 2
    # One ends: the next offer is the oldest routine conversation.
    linh.post(f"/api/conversations/{urgent[0]}/resolve", code="answered").raise_for_status()
    assert one_offer(linh) == routine[0]
    assert len(mine(linh)) == 2


def test_a_declined_offer_goes_to_the_next_agent_or_back_after_the_cool_down(start_hub) -> None:
    hub = start_hub(routing_offer_cooldown_s="3", **CALM)
    quan, linh = Agent(hub.url, "quan"), Agent(hub.url, "linh")
    conv_id = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    linh.online()
    assert one_offer(linh) == conv_id
    assert linh.post(f"/api/conversations/{conv_id}/decline").status_code == 200
    # Only decliners of an open offer to them: anything else is refused clearly.
    assert linh.post(f"/api/conversations/{conv_id}/decline").status_code == 409
    assert linh.post("/api/conversations/999999/decline").status_code == 404
    detail = linh.conversation(conv_id)["conversation"]
    assert {"code": "declined", "agent": "linh"} in detail["context"]["transfer_notes"]
    # A team of one still works: after the cool-down it is offered to her again.
    assert one_offer(linh) == conv_id
    agents = {a["username"]: a for a in quan.http.get("/api/routing/agents").json()["agents"]}
    assert agents["linh"]["missed_offers"] == 1
    # With a second agent present, a decline goes to him at once.
    minh = Agent(hub.url, "minh")
    minh.online()
    assert linh.post(f"/api/conversations/{conv_id}/decline").status_code == 200
    assert one_offer(minh) == conv_id


def test_away_agent_offers_return_at_once_and_unanswered_ones_after_grace(start_hub) -> None:
    hub = start_hub(routing_away_grace_s="2", **CALM)
    linh = Agent(hub.url, "linh")
    first = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    answered = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    second = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    linh.online()
    for conv_id in (first, answered):
        assert one_offer(linh) == conv_id
        linh.post(f"/api/conversations/{conv_id}/ack").raise_for_status()
    linh.post(f"/api/conversations/{answered}/messages", text="Em chào anh ạ").raise_for_status()
    assert one_offer(linh) == second
    before = {c["id"]: c["waiting_since"] for c in linh.queue()["mine"]}
    linh.online(False)
    # The offer is back at once, at its original place, with a note for the next agent.
    back = linh.conversation(second)["conversation"]
    assert back["state"] == "waiting" and back["waiting_since"] == before[second]
    assert {"code": "away_return", "agent": "linh"} in back["context"]["transfer_notes"]
    # The acknowledged one she never answered follows after the grace period; the one
    # she answered stays hers.
    returned = wait_for(
        lambda: (c := linh.conversation(first)["conversation"])["state"] == "waiting" and c
    )
    assert returned["waiting_since"] == before[first]
    assert [c["id"] for c in linh.queue()["waiting"]] == [first, second]
    assert linh.conversation(answered)["conversation"]["assigned_to"] == linh.user["id"]


def test_supervisors_set_capacity_and_skills_and_bad_input_is_refused(start_hub) -> None:
    hub = start_hub(**CALM)
    quan, linh, minh = Agent(hub.url, "quan"), Agent(hub.url, "linh"), Agent(hub.url, "minh")
    listing = quan.http.get("/api/routing/agents").json()
    assert listing["default_capacity"] == 3 and "fraud" in listing["skills"]
    assert {a["username"] for a in listing["agents"]} == {"linh", "minh"}
    assert linh.http.get("/api/routing/agents").status_code == 403
    url = f"/api/routing/agents/{minh.user['id']}"
    for bad in ({"capacity": 0}, {"capacity": 500}, {"skills": ["Fraud!"]}, {"skills": "fraud"}):
        assert quan.http.put(url, json=bad).status_code == 422, bad
    assert quan.http.put("/api/routing/agents/999999", json={}).status_code == 404
    assert quan.http.put(f"/api/routing/agents/{quan.user['id']}", json={}).status_code == 404
    # Minh takes fraud only; a routine conversation goes to linh, a fraud one to minh.
    saved = quan.http.put(url, json={"skills": ["fraud"], "capacity": 1}).json()
    assert saved["skills"] == ["fraud"] and saved["capacity"] == 1
    linh.online()
    minh.online()
    routine = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    assert one_offer(linh) == routine
    fraud = Customer(hub.url).say(FRAUD).json()["conversation_id"]
    assert one_offer(minh) == fraud
    # Back to every skill and the default capacity.
    assert quan.http.put(url, json={"skills": None, "capacity": None}).json()["capacity"] == 3


def test_a_service_level_breach_raises_one_live_alert(start_hub) -> None:
    hub = start_hub(routing_service_level_s='{"urgent": 1, "high": 60, "normal": 600}', **CALM)
    quan = Agent(hub.url, "quan")
    conv_id = Customer(hub.url).say(FRAUD).json()["conversation_id"]
    alerts = wait_for(
        lambda: [
            a
            for a in quan.http.get("/api/alerts").json()["alerts"]
            if a["kind"] == "service_level" and a["conversation_id"] == conv_id
        ]
    )
    assert len(alerts) == 1
    wall = quan.http.get("/api/reports/live").json()
    assert any(
        b["kind"] == "service_level"
        and b["priority"] == "urgent"
        and b["conversation_id"] == conv_id
        for b in wall["breaches"]
    )


def test_the_wait_told_counts_free_capacity_not_only_agents(start_hub) -> None:
    hub = start_hub(**CALM)
    quan, linh = Agent(hub.url, "quan"), Agent(hub.url, "linh")
    linh.online()
    first = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    assert one_offer(linh) == first
    # Linh holds one offer and has two more slots: the next customer is not told the
    # 4 minutes that "position × median handling time / agents online" said.
    told = [r["text"] for r in Customer(hub.url).say(ROUTINE).json()["replies"]]
    assert any("vị trí 1 " in text and "khoảng 1 phút" in text for text in told), told
    # At her capacity, the wait is the time for one of her chats to end (240 s by default).
    quan.http.put(f"/api/routing/agents/{linh.user['id']}", json={"capacity": 1})
    linh.post(f"/api/conversations/{first}/ack").raise_for_status()
    told = [r["text"] for r in Customer(hub.url).say(ROUTINE).json()["replies"]]
    assert any("vị trí 2 " in text and "khoảng 8 phút" in text for text in told), told


def test_a_waiting_customer_who_asks_again_is_told_where_they_stand(start_hub) -> None:
    hub = start_hub(**CALM)
    quan, linh = Agent(hub.url, "quan"), Agent(hub.url, "linh")
    quan.http.put(f"/api/routing/agents/{linh.user['id']}", json={"capacity": 1})
    linh.online()
    first = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    assert one_offer(linh) == first
    linh.post(f"/api/conversations/{first}/ack").raise_for_status()
    # Linh is at her capacity: this customer waits, and is told so in the replies.
    customer = Customer(hub.url)
    told = [r["text"] for r in customer.say(ROUTINE).json()["replies"]]
    assert any(text.startswith("Bạn đang ở vị trí 1 ") for text in told), told
    # Asking again while waiting: the place and the wait once more, never silence.
    again = [r["text"] for r in customer.replies("nhân viên đâu rồi, cho tôi gặp nhân viên")]
    assert any(text.startswith("Cảm ơn bạn đã chờ. Bạn hiện ở vị trí 1,") for text in again), again
