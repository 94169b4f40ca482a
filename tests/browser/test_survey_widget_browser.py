"""Surveys in the website widget, in a real browser: after the agent resolves, the
customer taps 5 stars, is asked NPS with eleven buttons, taps 9, is invited to comment
and types one; the supervisor's ratings show all three."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import Agent, wait_for

pytestmark = pytest.mark.browser
COMMENT = "Cảm ơn chị Linh, rất nhanh"


def test_widget_customer_answers_csat_nps_and_comments(
    start_hub: Any, browser_context: Any, artifacts_dir: Path
) -> None:
    hub = start_hub(reporting_nps_sample_rate="1", reporting_nps_min_days_between="0")
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{hub.url}/demo")
    page.get_by_role("button", name="Mở cửa sổ trò chuyện").click()
    box = page.get_by_role("textbox", name="Tin nhắn của bạn")
    box.fill("Tôi cần hỏi về phí thường niên")
    box.press("Enter")
    page.locator(".tw-msg--system").first.wait_for()  # the bot is down: queued for a person

    agent = Agent(hub.url, "linh")
    conv_id = wait_for(lambda: [c["id"] for c in agent.queue()["waiting"]])[0]
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/messages", text="Chào anh, phí là 0 đồng ạ.")
    agent.post(f"/api/conversations/{conv_id}/resolve", code="answered").raise_for_status()

    page.locator(".tw-chip", has_text="5 ★").click()
    nps = page.locator(".tw-msg", has_text="giới thiệu").locator(".tw-chip")
    nps.first.wait_for(timeout=20_000)
    assert [c.strip() for c in nps.all_inner_texts()] == [str(n) for n in range(11)]
    nps.nth(9).click()
    page.locator(".tw-msg--system", has_text="góp ý").wait_for(timeout=20_000)
    box.fill(COMMENT)
    box.press("Enter")
    page.screenshot(path=str(artifacts_dir / "survey-widget.png"))

    supervisor = Agent(hub.url, "quan")

    def rated() -> list[dict[str, Any]]:
        ratings = supervisor.http.get("/api/reports/ratings").json()["ratings"]
        return [r for r in ratings if r["conversation_id"] == conv_id and r["comment"]]

    rating = wait_for(rated)[0]
    assert (rating["csat"], rating["nps"], rating["comment"]) == (5, 9, COMMENT)
    assert rating["agent"] == "Linh Đỗ"
    assert errors == []
