"""Reporting against a real hub process (SQLite, Rasa down so the customer is queued at
once): a conversation is handed off, claimed, answered, resolved and rated; NPS is asked
with buttons, answered and commented; the reports API and the agent's own view show it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.clients import Agent, Customer, wait_for


def _survey_buttons(customer: Customer) -> list[str]:
    for message in reversed(customer.history()["messages"]):
        payloads = [b["payload"] for b in message.get("buttons") or []]
        if payloads and payloads[0].startswith("/nps"):
            return payloads
    return []


def _summary(supervisor: Agent, **params: Any) -> dict[str, Any]:
    response = supervisor.http.get("/api/reports/summary", params={"range": "today", **params})
    response.raise_for_status()
    return response.json()["figures"]


def test_scripted_conversation_moves_every_figure(start_hub) -> None:
    scripted_conversation(
        start_hub(reporting_nps_sample_rate="1", reporting_nps_min_days_between="0")
    )


@pytest.mark.postgres
def test_scripted_conversation_on_postgres(start_hub, postgres_url: str) -> None:  # noqa: F811
    hub = start_hub(
        database_url=postgres_url,
        reporting_nps_sample_rate="1",
        reporting_nps_min_days_between="0",
    )
    scripted_conversation(hub)


def scripted_conversation(hub) -> None:
    supervisor = Agent(hub.url, "quan")
    before = _summary(supervisor)
    assert before["handoffs"] == 0 and before["csat_responses"] == 0

    customer = Customer(hub.url)
    conv_id = customer.say("Tôi cần hỗ trợ về thẻ").json()["conversation_id"]
    agent = Agent(hub.url, "linh")
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/messages", text="Chào anh").raise_for_status()
    customer.say("Thẻ của tôi bị khoá")
    agent.post(f"/api/conversations/{conv_id}/messages", text="Em kiểm tra").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/resolve", code="answered").raise_for_status()
    customer.say("/csat 5")

    buttons = wait_for(lambda: _survey_buttons(customer))
    assert buttons == [f"/nps {n}" for n in range(11)]
    customer.say("/nps 9")
    wait_for(lambda: any("góp ý" in t for _, t in customer.texts()))
    customer.say("Nhân viên rất nhanh")
    customer.say("/csat 1")  # a second answer does not replace the first
    assert agent.conversation(conv_id)["conversation"]["csat"] == 5

    after = _summary(supervisor)
    assert after["handoffs"] == 1 and after["claims"] == 1 and after["resolved"] == 1
    assert after["first_responses"] == 1 and after["first_response_s_mean"] is not None
    assert after["agent_response_s_mean"] is not None
    assert after["handling_s_mean"] is not None and after["queue_wait_s_p50"] is not None
    assert after["csat_responses"] == 1 and after["csat_mean"] == 5.0
    assert after["csat_top2_share"] == 1.0
    assert after["nps_responses"] == 1 and after["nps"] == 100
    assert after["survey_comments"] == 1
    # The comment opened a conversation of its own; it is not a request for help.
    assert after["conversations"] == 1

    by_agent = supervisor.http.get(
        "/api/reports/breakdown", params={"range": "today", "by": "agent"}
    ).json()
    linh = next(r for r in by_agent["rows"] if r["label"] == "Linh Đỗ")
    assert linh["figures"]["csat_mean"] == 5.0 and linh["figures"]["first_responses"] == 1
    by_reason = supervisor.http.get(
        "/api/reports/breakdown", params={"range": "7d", "by": "reason"}
    ).json()
    assert [r["key"] for r in by_reason["rows"]] == ["bot_unavailable"]
    series = supervisor.http.get("/api/reports/series", params={"range": "7d"}).json()
    assert len(series["points"]) == 7 and series["points"][-1]["figures"]["nps"] == 100

    mine = agent.http.get("/api/reports/me", params={"range": "30d"}).json()
    assert mine["figures"]["csat_mean"] == 5.0
    rating = next(r for r in mine["ratings"] if r["conversation_id"] == conv_id)
    assert (rating["csat"], rating["nps"], rating["comment"]) == (5, 9, "Nhân viên rất nhanh")

    # The older endpoint reads the same aggregates.
    metrics = supervisor.http.get("/api/metrics", params={"days": 1}).json()
    assert metrics["csat_responses"] == 1 and metrics["nps"] == 100


def test_reports_permissions_bad_input_and_csv(start_hub) -> None:
    hub = start_hub()
    agent = Agent(hub.url, "linh")
    supervisor = Agent(hub.url, "quan")
    assert agent.http.get("/api/reports/summary").status_code == 403
    assert agent.http.get("/api/reports/live").status_code == 403
    assert agent.http.get("/api/reports/me").status_code == 200
    bad = supervisor.http.get("/api/reports/summary", params={"range": "custom"})
    assert bad.status_code == 422
    backwards = supervisor.http.get(
        "/api/reports/summary",
        params={"range": "custom", "start": "2026-05-02", "end": "2026-05-01"},
    )
    assert backwards.status_code == 422
    assert supervisor.http.get("/api/reports/breakdown", params={"by": "x"}).status_code == 422
    csv = supervisor.http.get(
        "/api/reports/breakdown.csv", params={"by": "channel", "range": "30d"}
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    # A byte order mark first, so Excel reads the file as UTF-8.
    assert csv.text.splitlines()[0].startswith("\ufeffchannel,label,conversations,")


def test_live_wall_shows_queue_presence_and_breaches(start_hub) -> None:
    hub = start_hub(reporting_sla_wait_s="0")
    agent = Agent(hub.url, "minh")
    agent.online()
    other = Agent(hub.url, "linh")
    other.online()
    other.online(False)
    conv_id = Customer(hub.url).say("cho tôi gặp nhân viên").json()["conversation_id"]
    supervisor = Agent(hub.url, "quan")
    wall = supervisor.http.get("/api/reports/live").json()
    status = {a["name"]: a["status"] for a in wall["agents"]}
    assert status["Linh Đỗ"] == "away"
    # The widget customer is counted under the website channel, waiting or with Minh.
    web = {c["channel"]: c for c in wall["channels"]}["web"]
    if wall["queue_length"]:  # the router may already have offered it to Minh
        assert any(
            b["kind"] == "wait" and b["conversation_id"] == conv_id for b in wall["breaches"]
        )
        assert web["waiting"] == 1 and web["assigned"] == 0
    else:
        assert status["Minh Hoàng"] == "busy"
        assert web["waiting"] == 0 and web["assigned"] == 1
