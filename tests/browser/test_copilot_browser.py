"""The copilot in the agent panel, in a real browser: the hand-off summary sits at the top
of the conversation, is replaced live when the conversation is transferred to the agent
looking at it, and each line scrolls to its turn; resolving offers the suggested wrap-up
codes first and stores the one chosen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_routing_browser import sign_in
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import HubProcess

pytestmark = pytest.mark.browser

PROBLEM = "Thẻ của tôi bị trừ 3 triệu ở một trang web lạ, tôi không hề mua"
NOTE = "Khách cần tra soát giao dịch 3 triệu"


def summary_stage(page: Any) -> str | None:
    node = page.query_selector("#summary-card")
    return node.get_attribute("data-stage") if node else None


def test_a_transferred_conversation_shows_its_summary_to_the_second_agent(
    start_hub: Callable[..., HubProcess], page: Any, artifacts_dir: Path
) -> None:
    hub = start_hub()  # no Rasa: the first message hands the customer over
    conv_id = Customer(hub.url).say(PROBLEM).json()["conversation_id"]
    linh = Agent(hub.url, "linh")
    linh.post(f"/api/conversations/{conv_id}/claim").raise_for_status()

    sign_in(page, hub.url, "minh")
    # Linh holds it, so it is on no queue list of Minh's: he opens it as from an alert.
    page.evaluate(f"window.tandemPanel.openConversation({conv_id}, true)")
    wait_for(lambda: summary_stage(page) == "handoff")
    problem = page.locator("#summary-card [data-part=problem] .sum-quote")
    assert problem.first.text_content() == PROBLEM

    linh.post(
        f"/api/conversations/{conv_id}/transfer", note=NOTE, to_agent="minh"
    ).raise_for_status()
    wait_for(lambda: summary_stage(page) == "transfer")  # pushed: no reload
    card = page.locator("#summary-card").text_content() or ""
    assert "Tóm tắt bàn giao" in card and NOTE in card and "Ghi chú chuyển tiếp" in card
    # A line leads to its turn in the transcript.
    line = page.locator("#summary-card [data-part=problem] li").first
    turn = line.get_attribute("data-turn")
    line.locator("button").click()
    wait_for(
        lambda: (
            "msg-flash"
            in (page.locator(f'#transcript [data-id="{turn}"]').get_attribute("class") or "")
        )
    )
    page.screenshot(path=str(artifacts_dir / "copilot-summary-transfer.png"))
    assert page.errors == []


def test_resolving_offers_the_suggested_wrapup_codes_first(
    start_hub: Callable[..., HubProcess], page: Any, artifacts_dir: Path
) -> None:
    hub = start_hub()
    conv_id = (
        Customer(hub.url)
        .say("Tôi muốn khiếu nại vì bị tính phí trả chậm sai")
        .json()["conversation_id"]
    )
    linh = Agent(hub.url, "linh")
    linh.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    suggested = linh.http.get(f"/api/conversations/{conv_id}/wrapup").json()["suggested"]

    sign_in(page, hub.url, "linh")
    page.locator(f'.q-item[data-id="{conv_id}"]').first.click()
    page.click("[data-action=resolve]")
    options = page.locator("dialog .wrapup-suggested input[type=radio]")
    options.first.wait_for()
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert values == suggested and values[0] == "complaint"
    assert options.first.is_checked()
    assert "Khiếu nại" in (page.locator("dialog .wrapup-suggested").text_content() or "")
    page.screenshot(path=str(artifacts_dir / "copilot-wrapup-dialog.png"))
    # The agent picks the second suggestion.
    options.nth(1).check()
    page.click("dialog button[type=submit]")
    wait_for(lambda: linh.conversation(conv_id)["conversation"]["resolution_code"] == values[1])
    assert page.errors == []


def test_a_supervisor_adds_and_deactivates_a_wrapup_code(
    start_hub: Callable[..., HubProcess], page: Any
) -> None:
    hub = start_hub()
    sign_in(page, hub.url, "quan")
    page.click(".tab[data-tab=supervisor]")
    card = page.locator("#wrapup-codes")
    card.locator("tr[data-code=answered]").wait_for()
    assert "Đã trả lời" in (card.locator("tr[data-code=answered]").text_content() or "")
    card.locator("button", has_text="Thêm mã").click()
    page.fill("dialog input[name=code]", "fee_waived")
    page.fill("dialog input[name=description_vi]", "Đã miễn phí")
    page.fill("dialog input[name=description_en]", "Fee waived")
    page.click("dialog button[type=submit]")
    row = page.locator("#wrapup-codes tr[data-code=fee_waived]")
    row.wait_for()
    row.locator("button", has_text="Tắt").click()
    wait_for(lambda: "muted" in (row.get_attribute("class") or ""))
    agent = Agent(hub.url, "linh")
    assert "fee_waived" not in [c["code"] for c in agent.http.get("/api/wrapup-codes").json()]
    assert page.errors == []
