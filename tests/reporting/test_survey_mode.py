"""A survey is a mode, not a message: against a real hub (SQLite, Rasa down, so anything
the bot were given would be handed off to the queue at once), what a customer types while
a CSAT or NPS question is open is its answer or its comment; it never reaches the bot and
never opens a conversation. After the hold, a message opens a new conversation again."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from bot.reporting.survey_answers import read_score
from tests.support.clients import Agent, Customer, wait_for

PRAISE = "Nhân viên Linh hỗ trợ rất nhanh và nhiệt tình"


def _resolved_and_asked_nps(hub: Any) -> tuple[Customer, Agent, int]:
    """A conversation handed off, answered by Linh, resolved, rated 5 stars, and asked NPS."""
    customer = Customer(hub.url)
    conv_id = customer.say("Tôi cần hỗ trợ về thẻ").json()["conversation_id"]
    agent = Agent(hub.url, "linh")
    wait_for(lambda: conv_id in [c["id"] for c in agent.queue()["waiting"]])
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/messages", text="Chào anh").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/resolve", code="answered").raise_for_status()
    assert customer.say("/csat 5").json()["conversation_id"] == conv_id
    wait_for(lambda: any("giới thiệu" in text for _, text in customer.texts()))
    return customer, agent, conv_id


def _rating(hub: Any, conv_id: int) -> dict[str, Any] | None:
    ratings = Agent(hub.url, "quan").http.get("/api/reports/ratings").json()["ratings"]
    return next((r for r in ratings if r["conversation_id"] == conv_id), None)


def _conversations(hub: Any, since: int) -> list[tuple[int, str]]:
    """Conversations from ``since`` on (the demo data holds older ones)."""
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        query = "SELECT id, state FROM conversations WHERE id >= ? ORDER BY id"
        return db.execute(query, (since,)).fetchall()


def _waiting(agent: Agent) -> list[int]:
    return [c["id"] for c in agent.queue()["waiting"]]


def test_text_typed_at_the_nps_question_is_the_comment_not_a_request(start_hub: Any) -> None:
    hub = start_hub(reporting_nps_sample_rate="1", reporting_nps_min_days_between="0")
    customer, agent, conv_id = _resolved_and_asked_nps(hub)

    # The praise names an agent and sounds urgent to the bot; it is the survey's comment.
    assert customer.say(PRAISE).json()["conversation_id"] == conv_id
    wait_for(lambda: any("Cảm ơn góp ý" in text for _, text in customer.texts()))
    rating = wait_for(lambda: (r := _rating(hub, conv_id)) and r["comment"] and r)
    assert (rating["csat"], rating["nps"], rating["comment"]) == (5, None, PRAISE)
    assert _conversations(hub, conv_id) == [(conv_id, "resolved")]
    assert _waiting(agent) == []
    assert agent.conversation(conv_id)["conversation"]["state"] == "resolved"
    # The thanks is the last word: nothing the bot says when it is down, no queue position.
    assert customer.texts()[-1][1].startswith("Cảm ơn góp ý")

    # The comment finished the survey: the next message is a new request.
    new_id = customer.say("Tôi muốn hỏi thêm về phí thường niên").json()["conversation_id"]
    assert new_id != conv_id
    wait_for(lambda: new_id in _waiting(agent))


def test_typed_nps_score_then_comment(start_hub: Any) -> None:
    hub = start_hub(reporting_nps_sample_rate="1", reporting_nps_min_days_between="0")
    customer, agent, conv_id = _resolved_and_asked_nps(hub)

    assert customer.say("9 điểm").json()["conversation_id"] == conv_id
    wait_for(lambda: any("góp ý" in text for _, text in customer.texts()))
    assert customer.say("Rất nhanh").json()["conversation_id"] == conv_id
    rating = wait_for(lambda: (r := _rating(hub, conv_id)) and r["comment"] and r)
    assert (rating["csat"], rating["nps"], rating["comment"]) == (5, 9, "Rất nhanh")
    assert _conversations(hub, conv_id) == [(conv_id, "resolved")]
    assert _waiting(agent) == []


def test_after_the_hold_a_message_opens_a_new_conversation(start_hub: Any) -> None:
    hold_s = 1.0
    hub = start_hub(
        reporting_nps_sample_rate="1",
        reporting_nps_min_days_between="0",
        reporting_survey_hold_s=str(hold_s),
    )
    customer, agent, conv_id = _resolved_and_asked_nps(hub)
    # Waiting out the hold is the condition under test, not a measured duration.
    time.sleep(hold_s + 1.0)

    new_id = customer.say(PRAISE).json()["conversation_id"]
    assert new_id != conv_id
    wait_for(lambda: new_id in _waiting(agent))
    rating = _rating(hub, conv_id)
    assert rating is not None and rating["comment"] is None


def test_typed_scores_are_read_and_anything_else_is_not_a_score() -> None:
    assert read_score("nps", "9") == 9
    assert read_score("nps", "9 điểm") == 9
    assert read_score("nps", "10/10") == 10
    assert read_score("nps", "11") is None
    assert read_score("nps", "rất hài lòng") is None  # NPS has no named steps
    assert read_score("csat", "Rất hài lòng!") == 5
    assert read_score("csat", "rat hai long") == 5
    assert read_score("csat", "không hài lòng") == 2
    assert read_score("csat", "5 sao") == 5
    assert read_score("csat", "0") is None
    assert read_score("nps", PRAISE) is None
    assert read_score("csat", "Nhân viên hỗ trợ 5 phút là xong") is None
