"""Agent assist against a real hub process: suggestions pushed on the agent websocket,
feedback and offer outcomes stored, the acceptance report and who may read it."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from bot.api.widget_identity import sign_customer
from tandem.settings import DEMO_SECRET
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import HubProcess


@pytest.fixture
def hub(hub_without_rasa: HubProcess) -> HubProcess:
    hub_without_rasa.wait_knowledge()
    return hub_without_rasa


def known_customer(hub: HubProcess, customer_id: str) -> Customer:
    return Customer(
        hub.url, customer_id=customer_id, signature=sign_customer(DEMO_SECRET, customer_id)
    )


@pytest.fixture
def agent_socket(hub: HubProcess) -> Iterator[tuple[Agent, ClientConnection]]:
    agent = Agent(hub.url)
    cookie = "; ".join(f"{k}={v}" for k, v in agent.http.cookies.items())
    ws_url = hub.url.replace("http://", "ws://") + "/api/ws/agent"
    with connect(ws_url, additional_headers={"Cookie": cookie}) as ws:
        yield agent, ws


def next_event(
    ws: ClientConnection, kind: str, conv_id: int, timeout_s: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {kind} event for conversation {conv_id}")
        event = json.loads(ws.recv(timeout=left))
        if event.get("type") == kind and event.get("conversation_id") == conv_id:
            return event


def rows(hub: HubProcess, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        return db.execute(sql, args).fetchall()


def test_customer_message_pushes_suggestions_and_offer(hub, agent_socket) -> None:
    agent, ws = agent_socket
    reply = known_customer(hub, "C001").say("Làm sao để kích hoạt thẻ mới?").json()
    conv_id, message_id = reply["conversation_id"], reply["message"]["id"]

    event = next_event(ws, "suggestions", conv_id)
    assert event["message_id"] == message_id
    sugs = event["suggestions"]
    assert 1 <= len(sugs) <= 3 and [s["rank"] for s in sugs] == list(range(len(sugs)))
    assert sugs[0]["entry_id"] == "cards-activation" and sugs[0]["lang"] == "vi"
    assert set(sugs[0]) == {"entry_id", "question", "answer", "score", "confident", "lang", "rank"}

    offer = next_event(ws, "offer", conv_id)
    assert offer["churn_risk"] is False and offer["suppressed"] is None
    assert offer["offer"]["offer_id"] == "travel-dining-points"
    assert "93%" in offer["offer"]["reason"]["vi"] and "93%" in offer["offer"]["reason"]["en"]

    # The push is recorded as "pushed" (no agent has seen it yet: the panel records
    # "shown" when it displays it), and the panel can re-read it over HTTP.
    expected = sorted((s["entry_id"], s["rank"]) for s in sugs)
    query = "SELECT entry_id, rank FROM suggestion_events WHERE message_id = ? AND event = 'pushed'"
    wait_for(lambda: sorted(rows(hub, query, message_id)) == expected)
    current = agent.http.get(f"/api/conversations/{conv_id}/assist").json()
    assert current["suggestions"] == sugs and current["offer"] == offer["offer"]


def test_suggestions_follow_the_conversation(hub, agent_socket) -> None:
    _, ws = agent_socket
    customer = known_customer(hub, "C003")
    conv_id = customer.say("How do I activate my new card?").json()["conversation_id"]
    assert (
        next_event(ws, "suggestions", conv_id)["suggestions"][0]["entry_id"] == "cards-activation"
    )
    second = customer.say("I lost my card, what should I do?").json()["message"]["id"]
    event = next_event(ws, "suggestions", conv_id)
    assert event["message_id"] == second
    assert event["suggestions"][0]["entry_id"] == "cards-lost-card"
    assert event["suggestions"][0]["lang"] == "en"


def test_fraud_report_gets_no_offer(hub, agent_socket) -> None:
    _, ws = agent_socket
    conv_id = (
        known_customer(hub, "C002")
        .say("Có giao dịch lạ trên thẻ, tôi nghĩ bị lừa đảo")
        .json()["conversation_id"]
    )
    offer = next_event(ws, "offer", conv_id)
    assert offer["offer"] is None and offer["suppressed"] == "fraud"


def test_churn_risk_customer_gets_retention(hub, agent_socket) -> None:
    _, ws = agent_socket
    conv_id = (
        known_customer(hub, "C005").say("Phí thường niên là bao nhiêu?").json()["conversation_id"]
    )
    offer = next_event(ws, "offer", conv_id)
    assert offer["churn_risk"] is True
    assert (
        offer["offer"]["kind"] == "retention"
        and offer["offer"]["offer_id"] == "fee-waiver-retention"
    )


def test_feedback_outcomes_and_reports(hub, agent_socket) -> None:
    agent, ws = agent_socket
    reply = known_customer(hub, "C001").say("Tôi muốn hỏi cách kích hoạt thẻ").json()
    conv_id, message_id = reply["conversation_id"], reply["message"]["id"]
    top = next_event(ws, "suggestions", conv_id)["suggestions"][0]
    offer = next_event(ws, "offer", conv_id)["offer"]

    for event in ("inserted", "sent_edited", "dismissed"):
        body = {
            "conversation_id": conv_id,
            "message_id": message_id,
            "entry_id": top["entry_id"],
            "rank": 0,
            "event": event,
        }
        response = agent.post("/api/suggestions/feedback", **body)
        assert response.status_code == 200, response.text
        assert response.json()["event"] == event
    assert (
        agent.post(
            "/api/suggestions/feedback",
            conversation_id=conv_id,
            entry_id="x",
            rank=0,
            event="liked",
        ).status_code
        == 422
    )
    wait_for(
        lambda: (
            len(
                rows(
                    hub,
                    "SELECT id FROM suggestion_events WHERE message_id = ? AND rank = 0",
                    message_id,
                )
            )
            == 4
        )
    )
    stored = rows(
        hub,
        "SELECT event FROM suggestion_events WHERE message_id = ? AND rank = 0 ORDER BY id",
        message_id,
    )
    assert [e for (e,) in stored] == ["pushed", "inserted", "sent_edited", "dismissed"]

    outcome = agent.post(
        "/api/offers/outcome",
        conversation_id=conv_id,
        rule_id=offer["rule_id"],
        offer_id=offer["offer_id"],
        outcome="declined",
    )
    assert outcome.status_code == 200 and outcome.json()["customer_id"] == "C001"
    # Declined: the offer cools down and the panel is told at once.
    assert next_event(ws, "offer", conv_id)["offer"] is None

    assert agent.http.get("/api/reports/offers").status_code == 403
    supervisor = Agent(hub.url, "quan")
    report = {r["rule_id"]: r for r in supervisor.http.get("/api/reports/offers").json()["rules"]}
    assert report[offer["rule_id"]] | {} == {
        "rule_id": offer["rule_id"],
        "shown": 1,
        "accepted": 0,
        "declined": 1,
        "not_relevant": 0,
        "acceptance_rate": 0.0,
    }

    gaps = Agent(hub.url, "ha").http.get("/api/reports/knowledge-gaps")
    assert gaps.status_code == 200
    assert any(g["message_id"] == message_id and g["dismissed"] for g in gaps.json()["gaps"])
    assert agent.http.get("/api/reports/knowledge-gaps").status_code == 403


def test_acceptance_rate_per_rule(hub, agent_socket) -> None:
    agent, ws = agent_socket
    shown = {}
    for customer_id, outcome in (("C001", "accepted"), ("C004", "not_relevant")):
        conv_id = known_customer(hub, customer_id).say("Xin chào").json()["conversation_id"]
        offer = next_event(ws, "offer", conv_id)["offer"]
        shown[offer["rule_id"]] = outcome
        agent.post(
            "/api/offers/outcome",
            conversation_id=conv_id,
            rule_id=offer["rule_id"],
            offer_id=offer["offer_id"],
            outcome=outcome,
        ).raise_for_status()
    report = Agent(hub.url, "quan").http.get("/api/reports/offers").json()["rules"]
    by_rule = {r["rule_id"]: r for r in report}
    assert set(by_rule) == set(shown)
    for rule_id, outcome in shown.items():
        assert by_rule[rule_id]["shown"] == 1 and by_rule[rule_id][outcome] == 1
        assert by_rule[rule_id]["acceptance_rate"] == (1.0 if outcome == "accepted" else 0.0)


def test_customer_profile(hub) -> None:
    agent = Agent(hub.url)
    body = agent.http.get("/api/customers/C001/profile").json()
    assert body["customer"]["id"] == "C001" and body["customer"]["products"]
    assert body["spend"]["months"] == ["2026-08", "2026-09", "2026-10"]
    assert body["spend"]["categories"]["retail"] == [11200000, 10400000, 12100000]
    assert round(body["spend"]["shares"]["retail"], 2) == 0.93
    assert body["churn_risk"] is False and body["csat"][0]["score"] == 4
    assert agent.http.get("/api/customers/C005/profile").json()["churn_risk"] is True
    assert agent.http.get("/api/customers/NOPE/profile").status_code == 404
