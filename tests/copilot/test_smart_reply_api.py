"""Smart replies against a real hub: mined from what agents sent in resolved conversations,
offered to agents only after a knowledge manager approves them, for similar messages."""

from __future__ import annotations

from bot.copilot.smart_reply import reply_key, usable
from tests.support.clients import Agent, Customer
from tests.support.stack import HubProcess

WAIT = "Dạ anh chị vui lòng chờ em kiểm tra một chút ạ."


def resolved(hub: HubProcess, agent: Agent, question: str, reply: str) -> int:
    customer = Customer(hub.url)
    conv_id = int(customer.say(question).json()["conversation_id"])
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/messages", text=reply).raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/resolve", code="answered").raise_for_status()
    return conv_id


def test_candidate_rules() -> None:
    assert usable(WAIT)
    assert not usable("Số tài khoản của anh là 0123 456 789 ạ")  # one customer's number
    assert not usable("Chào {{customer.name}}")
    assert not usable("x " * 40)
    assert reply_key("Dạ, em chờ chút ạ!") == reply_key("dạ,  em chờ chút ạ")


def test_mined_reviewed_and_offered_for_similar_messages(hub_without_rasa: HubProcess) -> None:
    hub = hub_without_rasa
    hub.wait_knowledge()
    agent = Agent(hub.url)
    manager = Agent(hub.url, "ha")
    resolved(hub, agent, "Thẻ của tôi bị khóa rồi, giúp tôi với", WAIT)
    resolved(hub, agent, "thẻ tôi bị khoá không dùng được", WAIT.upper())
    resolved(hub, agent, "Phí thường niên bao nhiêu?", "Phí thường niên là 300.000 đồng ạ.")

    assert agent.http.post("/api/smart-replies/mine").status_code == 403
    assert manager.http.post("/api/smart-replies/mine").json() == {"added": 1}
    assert manager.http.post("/api/smart-replies/mine").json() == {"added": 0}  # once
    pending = manager.http.get("/api/smart-replies").json()["replies"]
    assert [(r["reply_text"], r["support"]) for r in pending] == [(WAIT, 2)]

    # Not offered before approval.
    customer = Customer(hub.url)
    conv_id = int(customer.say("Thẻ của tôi bị khóa, phải làm sao?").json()["conversation_id"])
    path = f"/api/conversations/{conv_id}/smart-replies"
    assert agent.http.get(path).json()["replies"] == []

    approved = manager.http.post(
        f"/api/smart-replies/{pending[0]['id']}/review", json={"decision": "approve"}
    )
    assert approved.json()["status"] == "approved"
    offered = agent.http.get(path).json()["replies"]
    assert [r["reply_text"] for r in offered] == [WAIT]
    assert offered[0]["similarity"] >= 0.8

    # A different request gets nothing; knowledge managers cannot read conversations' replies.
    other = int(
        Customer(hub.url).say("Lãi suất tiết kiệm 12 tháng là bao nhiêu?").json()["conversation_id"]
    )
    assert agent.http.get(f"/api/conversations/{other}/smart-replies").json()["replies"] == []
    assert manager.http.get(path).status_code == 403
    bad = manager.http.post(f"/api/smart-replies/{pending[0]['id']}/review", json={"decision": "x"})
    assert bad.status_code == 422
