"""Reports in a real browser against a real hub (Rasa down, so the customer is queued for
a person at once): a scripted conversation -- claim, reply, resolve, CSAT 5, NPS 9 and a
comment -- moves the supervisor's figures and charts, every chart switches to a table, and
the agent's own view shows the rating. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.reporting.recorder import REPORT_TZ
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import DEMO_PASSWORD

pytestmark = pytest.mark.browser
COMMENT = "Chị Linh hỗ trợ rất tận tình"


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/panel")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".topbar")


def kpi(page: Any, key: str) -> str:
    return page.locator(f"#kpi-{key} .kpi-value").inner_text().strip()


def nps_buttons(customer: Customer) -> bool:
    return any(
        (m.get("buttons") or [{}])[0].get("payload") == "/nps 0"
        for m in customer.history()["messages"]
    )


def scripted_conversation(base: str) -> int:
    customer = Customer(base)
    conv_id = int(customer.say("Tôi cần hỗ trợ về thẻ tín dụng").json()["conversation_id"])
    agent = Agent(base, "linh")
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.post(f"/api/conversations/{conv_id}/messages", text="Chào anh, em là Linh.")
    agent.post(f"/api/conversations/{conv_id}/resolve", code="answered").raise_for_status()
    customer.say("/csat 5")
    wait_for(lambda: nps_buttons(customer), timeout_s=20)
    customer.say("/nps 9")
    wait_for(lambda: any("góp ý" in t for _, t in customer.texts()), timeout_s=20)
    customer.say(COMMENT)
    return conv_id


def test_conversation_moves_supervisor_figures_and_agent_view(
    start_hub: Any, page: Any, artifacts_dir: Path
) -> None:
    hub = start_hub(reporting_nps_sample_rate="1", reporting_nps_min_days_between="0")
    base = hub.url
    page.set_viewport_size({"width": 1366, "height": 1500})  # the whole report on one shot
    sign_in(page, base, "quan")
    page.click(".tab[data-tab=supervisor]")
    page.click("[data-range=today]")
    page.locator("#live-wall").wait_for()
    assert kpi(page, "csat_mean") == "—" and kpi(page, "nps") == "—"
    assert kpi(page, "handoffs") == "0"
    assert page.locator("#kpi-queue_length .kpi-label").inner_text() == "Khách đang chờ"
    page.screenshot(path=str(artifacts_dir / "reports-supervisor-before.png"), full_page=True)

    conv_id = scripted_conversation(base)

    page.click("#reports-refresh")
    page.locator("#kpi-csat_mean .kpi-value", has_text="5.00").wait_for()
    assert kpi(page, "csat_mean") == "5.00"
    assert kpi(page, "nps") == "100"
    assert kpi(page, "handoffs") == "1"
    assert kpi(page, "csat_top2_share") == "100%"
    assert kpi(page, "first_response_s_mean").endswith(("s", "min"))
    # The daily trend has today's point at 5; the breakdown has Linh's bar.
    dots = page.locator("#card-trend circle.dot")
    assert dots.count() == 1 and dots.first.get_attribute("data-value") == "5"
    bar = page.locator("#card-breakdown rect.bar")
    assert bar.count() == 1 and bar.first.get_attribute("data-value") == "5"
    assert "Linh Đỗ" in page.locator("#card-breakdown svg").text_content()
    ratings = page.locator("#card-ratings")
    assert COMMENT in ratings.inner_text() and "5 ★" in ratings.inner_text()
    page.screenshot(path=str(artifacts_dir / "reports-supervisor-after.png"), full_page=True)

    # Every chart switches to a table of the same numbers, and back.
    page.click("#card-breakdown .view-toggle")
    table = page.locator("#card-breakdown table.report")
    table.wait_for()
    assert "Linh Đỗ" in table.inner_text() and "5.00" in table.inner_text()
    page.click("#card-trend .view-toggle")
    assert "5.00" in page.locator("#card-trend table.report").inner_text()
    page.click("#card-trend .view-toggle")
    page.locator("#card-trend svg").wait_for()
    page.locator("#card-breakdown select[name=breakdown-by]").select_option("reason")
    # Reasons by name in the panel's language, never the hub's code.
    page.locator("#card-breakdown td[title=bot_unavailable]", has_text="Bot gặp sự cố").wait_for()

    # A custom range that ends today holds the same answers.
    today = datetime.now(REPORT_TZ).date().isoformat()  # the bank's business day
    page.fill(".custom-range input[name=start]", today)
    page.fill(".custom-range input[name=end]", today)
    page.click(".custom-range [data-range=custom]")
    page.locator(".custom-range [data-range=custom].on").wait_for()
    page.locator("#kpi-csat_mean .kpi-value", has_text="5.00").wait_for()

    # Both languages.
    page.click(".lang-switch [data-lang=en]")
    page.click(".tab[data-tab=supervisor]")
    page.locator("#kpi-csat_mean .kpi-label", has_text="CSAT mean").wait_for()
    assert page.locator("#card-trend .view-toggle").inner_text() in ("Table", "Chart")
    page.screenshot(path=str(artifacts_dir / "reports-supervisor-en.png"), full_page=True)

    # CSV of the breakdown table, with the supervisor's session.
    csv = page.request.get(f"{base}/api/reports/breakdown.csv?range=today&by=agent")
    assert csv.ok and "Linh Đỗ" in csv.text()

    # The agent's own view shows the rating, the comment and the trend.
    page.click("#sign-out")
    page.wait_for_selector("#login-form")
    page.click(".lang-switch [data-lang=vi]")
    sign_in(page, base, "linh")
    page.click(".tab[data-tab=performance]")
    page.locator("#view-performance #card-ratings").wait_for()
    assert kpi(page, "csat_mean") == "5.00" and kpi(page, "nps") == "100"
    row = page.locator(f'#view-performance tr[data-conversation="{conv_id}"]')
    assert "5 ★" in row.inner_text() and COMMENT in row.inner_text()
    assert page.locator("#card-my-trend circle.dot").count() == 1
    page.screenshot(path=str(artifacts_dir / "reports-agent-own-view.png"), full_page=True)
    assert not page.errors
