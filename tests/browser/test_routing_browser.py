"""Routing as an agent sees it in the panel: one agent with capacity 2 comes online with 7
conversations waiting, 3 of them urgent. She is offered one at a time, urgent first and
oldest first, never more than 2 open; the waiting list is in the server's order. She
closes her tab: her unacknowledged offer returns at its place and goes to the next agent.
A supervisor sees and sets each agent's capacity and skills on the supervision tab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import DEMO_PASSWORD, HubProcess

pytestmark = pytest.mark.browser

FRAUD = "Tài khoản có giao dịch lạ, tôi bị lừa đảo rồi"
ROUTINE = "cho tôi gặp nhân viên"


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/panel")
    page.click("#login-form [data-lang=vi]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".topbar")
    page.wait_for_selector("#conn.conn-live")


def ids_in(page: Any, section: str) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(
            f"[data-section={section}] .q-item", "nodes => nodes.map((n) => n.dataset.id)"
        )
    ]


def offered(page: Any) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(
            "[data-section=mine] .q-item.needs-ack", "nodes => nodes.map((n) => n.dataset.id)"
        )
    ]


def test_one_offer_at_a_time_urgent_first_capacity_two_and_closing_the_tab(
    start_hub: Callable[..., HubProcess],
    page: Any,
    browser: Any,
    browser_context: Any,
    artifacts_dir: Path,
) -> None:
    # A short presence time-out so that a closed tab counts as gone soon (the panel checks
    # in every third of it); offers never time out by themselves here.
    hub = start_hub(
        ack_timeout_s="600",
        routing_urgent_ack_timeout_s="600",
        routing_away_grace_s="600",  # her acknowledged conversation stays hers here
        presence_timeout_s="6",
    )
    quan, linh = Agent(hub.url, "quan"), Agent(hub.url, "linh")
    quan.http.put(f"/api/routing/agents/{linh.user['id']}", json={"capacity": 2}).raise_for_status()
    texts = [ROUTINE, FRAUD, ROUTINE, FRAUD, ROUTINE, FRAUD, ROUTINE]
    convs = [Customer(hub.url).say(text).json()["conversation_id"] for text in texts]
    urgent = [c for c, text in zip(convs, texts, strict=True) if text == FRAUD]
    routine = [c for c, text in zip(convs, texts, strict=True) if text == ROUTINE]

    sign_in(page, hub.url, "linh")
    wait_for(lambda: ids_in(page, "waiting") == urgent + routine)  # the server's order
    page.click("#presence")
    # One offer: the oldest urgent conversation; the rest wait in the server's order.
    wait_for(lambda: offered(page) == [urgent[0]])
    wait_for(lambda: ids_in(page, "waiting") == urgent[1:] + routine)
    assert len(linh.queue()["mine"]) == 1
    page.screenshot(path=str(artifacts_dir / "routing-first-offer.png"))

    page.click(f'[data-section=mine] .q-item[data-id="{urgent[0]}"] [data-action=ack]')
    wait_for(lambda: offered(page) == [urgent[1]])
    page.click(f'[data-section=mine] .q-item[data-id="{urgent[1]}"] [data-action=ack]')
    wait_for(lambda: offered(page) == [] and len(ids_in(page, "mine")) == 2)
    # At her capacity: a new customer's hand-off runs the router and is not offered to her.
    late = Customer(hub.url).say(ROUTINE).json()["conversation_id"]
    wait_for(lambda: late in ids_in(page, "waiting"))
    assert len(linh.queue()["mine"]) == 2 and offered(page) == []

    # One ends: the next offer is the last urgent conversation, not an older routine one.
    linh.post(f"/api/conversations/{urgent[0]}/resolve", code="answered").raise_for_status()
    wait_for(lambda: offered(page) == [urgent[2]])
    assert len(linh.queue()["mine"]) == 2
    page.screenshot(path=str(artifacts_dir / "routing-capacity-two.png"))

    # She closes her tab: the offer returns at its place and goes to the next agent.
    page.close()
    back = wait_for(
        lambda: (c := quan.conversation(urgent[2])["conversation"])["state"] == "waiting" and c
    )
    assert {"code": "away_return", "agent": "linh"} in back["context"]["transfer_notes"]
    assert quan.queue()["waiting"][0]["id"] == urgent[2]
    minh_page = browser_context.new_page()
    sign_in(minh_page, hub.url, "minh")
    minh_page.click("#presence")
    wait_for(lambda: offered(minh_page) == [urgent[2]])
    minh_page.screenshot(path=str(artifacts_dir / "routing-next-agent.png"))

    # The supervisor sees each agent's capacity, load, offers and misses, and sets them.
    browser.clear_cookies()  # linh's tab is closed; her session cookie goes too
    quan_page = browser.new_page()
    sign_in(quan_page, hub.url, "quan")
    quan_page.click(".tab[data-tab=supervisor]")
    row = quan_page.locator("#routing-card tr[data-agent=minh]")
    row.wait_for(timeout=30_000)
    assert row.locator(".routing-offers").inner_text() == "1"
    assert quan_page.locator("#routing-card tr[data-agent=linh] .routing-load").inner_text() == "1"
    row.locator(".routing-capacity").fill("4")
    row.locator(".routing-skills").fill("fraud, general")
    row.locator("[data-action=save-routing]").click()
    saved = wait_for(
        lambda: [
            a
            for a in quan.http.get("/api/routing/agents").json()["agents"]
            if a["username"] == "minh" and a["capacity"] == 4
        ]
    )
    assert saved[0]["skills"] == ["fraud", "general"]
    quan_page.screenshot(path=str(artifacts_dir / "routing-supervisor-card.png"))
    quan_page.close()
