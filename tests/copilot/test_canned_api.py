"""Canned replies against a real hub process: knowledge managers manage them, agents get
them filled for their conversation, and a reply with an unfilled variable is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.api.widget_identity import sign_customer
from tandem.settings import DEMO_SECRET
from tests.support.clients import Agent, Customer
from tests.support.stack import HubProcess


@pytest.fixture
def hub(hub_without_rasa: HubProcess) -> HubProcess:
    return hub_without_rasa


def claimed(hub: HubProcess, agent: Agent, customer_id: str | None, text: str) -> int:
    """A conversation in the human queue (Rasa is down), claimed by the agent."""
    identity = (
        {"customer_id": customer_id, "signature": sign_customer(DEMO_SECRET, customer_id)}
        if customer_id
        else {}
    )
    conv_id = int(Customer(hub.url, **identity).say(text).json()["conversation_id"])
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    return conv_id


def by_shortcut(agent: Agent, conv_id: int) -> dict[str, dict]:
    response = agent.http.get(f"/api/conversations/{conv_id}/canned-replies")
    response.raise_for_status()
    return {r["shortcut"]: r for r in response.json()["replies"]}


def test_seeded_replies_are_filled_from_the_conversation(hub) -> None:
    agent = Agent(hub.url)
    conv_id = claimed(hub, agent, "C001", "Tôi bị mất thẻ")
    replies = by_shortcut(agent, conv_id)
    assert {"greet", "card-blocked", "callback", "due-date", "bye"} <= set(replies)
    greet = replies["greet"]
    assert greet["text"] == ("Chào Nguyễn Văn An, em là Linh Đỗ ở ngân hàng. Em có thể giúp gì ạ?")
    assert greet["missing"] == []
    blocked = replies["card-blocked"]
    assert "Thẻ đuôi 4821 của Nguyễn Văn An" in blocked["text"] and blocked["missing"] == []
    assert "05/12/2026" in replies["due-date"]["text"]
    # No call-back booked yet: the variable stays and is named as missing.
    assert replies["callback"]["missing"] == ["callback.window"]
    assert "{{callback.window}}" in replies["callback"]["text"]

    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(
        minute=0, second=0, microsecond=0
    )
    agent.post(
        f"/api/conversations/{conv_id}/callbacks",
        phone="0901234567",
        window_start=start.isoformat(),
        window_end=(start + timedelta(hours=1)).isoformat(),
    ).raise_for_status()
    callback = by_shortcut(agent, conv_id)["callback"]
    assert callback["missing"] == []
    local = start.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    end = local + timedelta(hours=1)
    assert f"vào {local:%H:%M}–{end:%H:%M} ngày {local:%d/%m/%Y}" in callback["text"]


def test_anonymous_customer_leaves_variables_missing(hub) -> None:
    agent = Agent(hub.url)
    conv_id = claimed(hub, agent, None, "hello, I need help with my card")
    replies = by_shortcut(agent, conv_id)
    assert replies["greet"]["missing"] == ["customer.name"]
    assert replies["card-blocked"]["missing"] == ["card.last4", "customer.name"]
    # The customer wrote English: the English text, with the case number filled.
    assert (
        replies["ticket"]["text"] == f"Your case number is #{conv_id}. Quote it if you write again."
    )


def test_unfilled_variable_is_refused_and_never_sent(hub) -> None:
    agent = Agent(hub.url)
    conv_id = claimed(hub, agent, None, "xin chào")
    text = by_shortcut(agent, conv_id)["greet"]["text"]
    refused = agent.post(f"/api/conversations/{conv_id}/messages", text=text)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "{{customer.name}}" in detail and "chưa điền" in detail and "unfilled" in detail
    # A misspelt placeholder is refused as well.
    assert (
        agent.post(f"/api/conversations/{conv_id}/messages", text="Hi {{ custmer }}").status_code
        == 422
    )
    texts = [m["text"] for m in agent.conversation(conv_id)["messages"]]
    assert not any("{{" in t for t in texts)
    filled = text.replace("{{customer.name}}", "anh Nam")
    sent = agent.post(f"/api/conversations/{conv_id}/messages", text=filled)
    assert sent.status_code == 200 and sent.json()["text"] == filled


def test_knowledge_managers_manage_replies_and_agents_cannot(hub) -> None:
    manager = Agent(hub.url, "ha")
    agent = Agent(hub.url)
    body = {
        "shortcut": "fee-waiver",
        "title_vi": "Miễn phí thường niên",
        "title_en": "Annual fee waiver",
        "text_vi": "{{customer.name}} được miễn phí thường niên năm nay.",
        "text_en": "{{customer.name}}, your annual fee is waived this year.",
    }
    assert agent.http.post("/api/canned-replies", json=body).status_code == 403
    created = manager.http.post("/api/canned-replies", json=body)
    assert created.status_code == 201
    reply = created.json()
    assert reply["variables"] == ["customer.name"] and reply["updated_by"] == "ha"
    assert manager.http.post("/api/canned-replies", json=body).status_code == 409
    bad = {**body, "shortcut": "typo", "text_en": "Hi {{customer.nmae}}"}
    refused = manager.http.post("/api/canned-replies", json=bad)
    assert refused.status_code == 422 and "{{customer.nmae}}" in refused.json()["detail"]
    assert (
        manager.http.post("/api/canned-replies", json={**body, "shortcut": "A B"}).status_code
        == 422
    )

    updated = manager.http.put(
        f"/api/canned-replies/{reply['id']}", json={**body, "active": False}
    ).json()
    assert updated["active"] is False
    listed = agent.http.get("/api/canned-replies").json()
    assert "fee-waiver" in {r["shortcut"] for r in listed["replies"]}
    assert "card.last4" in {v["name"] for v in listed["variables"]}
    conv_id = claimed(hub, agent, "C002", "Phí thường niên")
    assert "fee-waiver" not in by_shortcut(agent, conv_id)  # inactive: not offered
    assert agent.http.delete(f"/api/canned-replies/{reply['id']}").status_code == 403
    assert manager.http.delete(f"/api/canned-replies/{reply['id']}").json()["deleted"] is True
    assert manager.http.delete(f"/api/canned-replies/{reply['id']}").status_code == 404
    # Knowledge managers do not work conversations: no filled replies for them.
    assert manager.http.get(f"/api/conversations/{conv_id}/canned-replies").status_code == 403
