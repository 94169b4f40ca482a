"""Canned replies as an agent uses them: "/" in the reply box opens the list, a reply is
inserted with its variables filled from the conversation; one whose variable has no value
is flagged under the box and not sent until the agent types the value over it. A knowledge
manager writes a new reply in the workspace's tab and agents get it at once. An approved
smart reply is offered for a similar customer message; one click inserts it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.api.widget_identity import sign_customer
from tandem.settings import DEMO_SECRET
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import DEMO_PASSWORD, HubProcess

pytestmark = pytest.mark.browser


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/panel")
    page.click("#login-form [data-lang=vi]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".topbar")
    page.wait_for_selector("#conn.conn-live")


def agent_texts(customer: Customer) -> list[str]:
    """What the customer's widget shows from agents (a fresh connection each time: the
    client's pooled one may have idled out while the browser worked)."""
    response = httpx.get(
        f"{customer.http.base_url}/api/widget/history", headers=customer.http.headers, timeout=30
    )
    response.raise_for_status()
    return [m["text"] for m in response.json()["messages"] if m["sender"] == "agent"]


def test_canned_reply_fills_its_variables_and_a_missing_one_is_not_sent(
    hub_without_rasa: HubProcess, page: Any, artifacts_dir: Path
) -> None:
    hub = hub_without_rasa
    customer = Customer(hub.url, customer_id="C001", signature=sign_customer(DEMO_SECRET, "C001"))
    conv_id = customer.say("Tôi bị mất thẻ, cần khóa gấp").json()["conversation_id"]
    Agent(hub.url).post(f"/api/conversations/{conv_id}/claim").raise_for_status()

    sign_in(page, hub.url, "linh")
    page.locator(f'[data-section=mine] .q-item[data-id="{conv_id}"]').click()
    page.locator("#reply").wait_for()

    # "/" in the empty box opens the list; the filter narrows it; Enter inserts.
    page.locator("#reply").focus()
    page.keyboard.press("/")
    page.locator("#canned-picker").wait_for()
    assert page.locator("#canned-picker .canned-item").count() >= 5
    page.keyboard.type("card-blocked")
    assert page.locator("#canned-picker .canned-item").count() == 1
    page.keyboard.press("Enter")
    filled = "Thẻ đuôi 4821 của Nguyễn Văn An đã được khóa."
    assert page.input_value("#reply").startswith(filled)
    assert page.locator("#canned-unfilled").count() == 0
    # Opened again at once, the list stays open: the first list's closing (it closes a
    # moment after it loses focus) is not the second's.
    page.locator("#canned-open").click()
    page.locator("#canned-filter").wait_for()
    page.wait_for_timeout(400)
    assert page.locator("#canned-picker").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#canned-picker").count() == 0
    page.click("#send")
    wait_for(lambda: any(t.startswith(filled) for t in agent_texts(customer)))
    # The customer can have the reply before this page has the hub's answer; until then the
    # box is disabled and the shortcut does nothing.
    page.wait_for_selector("#reply:enabled")

    # Ctrl+/ opens it too. No call-back is booked: {{callback.window}} stays, is flagged,
    # and the reply is not sent.
    page.locator("#reply").focus()
    page.keyboard.press("Control+/")
    page.locator("#canned-filter").fill("callback")
    page.keyboard.press("Enter")
    assert "{{callback.window}}" in page.input_value("#reply")
    flag = page.locator("#canned-unfilled")
    flag.wait_for()
    assert "{{callback.window}}" in flag.inner_text()
    assert page.get_attribute("#reply", "aria-invalid") == "true"
    page.screenshot(path=str(artifacts_dir / "canned-missing-variable.png"))
    page.click("#send")
    page.locator(".toast-error").wait_for()
    page.keyboard.press("Enter")  # Enter sends too: refused the same way
    assert "{{callback.window}}" in page.input_value("#reply")
    assert not any("{{" in t for t in agent_texts(customer))
    assert len(agent_texts(customer)) == 1

    # The placeholder was selected on insertion: typing the value replaces it.
    page.locator("#reply").focus()
    selected = page.evaluate(
        "() => { const r = document.getElementById('reply');"
        " return r.value.slice(r.selectionStart, r.selectionEnd); }"
    )
    assert selected == "{{callback.window}}"
    page.keyboard.type("15:00–16:00 chiều nay")
    text = page.input_value("#reply")
    assert page.locator("#canned-unfilled").count() == 0
    page.click("#send")
    wait_for(lambda: text in agent_texts(customer))
    assert "Nguyễn Văn An vào 15:00–16:00 chiều nay" in text
    page.screenshot(path=str(artifacts_dir / "canned-sent.png"))
    assert page.errors == []


def test_knowledge_manager_writes_a_reply_in_the_workspace(
    hub_without_rasa: HubProcess, page: Any, artifacts_dir: Path
) -> None:
    hub = hub_without_rasa
    sign_in(page, hub.url, "ha")
    page.click(".kb-tab[data-sub=canned]")
    page.locator(".kb-canned li[data-shortcut=greet]").wait_for()
    page.click("#canned-new")
    form = page.locator("#canned-form")
    form.locator("input[name=shortcut]").fill("limit")
    form.locator("input[name=title_vi]").fill("Hạn mức thẻ")
    form.locator("input[name=title_en]").fill("Card limit")
    form.locator("textarea[name=text_vi]").fill("Hạn mức thẻ đuôi ")
    form.locator("button[data-variable='card.last4']").click()  # inserted at the caret
    form.locator("textarea[name=text_en]").fill("The limit of your card ending {{card.last4}}.")
    form.locator("#canned-save").click()
    page.locator(".kb-canned li[data-shortcut=limit]").wait_for()
    page.screenshot(path=str(artifacts_dir / "canned-knowledge-tab.png"))
    listed = Agent(hub.url).http.get("/api/canned-replies").json()["replies"]
    limit = next(r for r in listed if r["shortcut"] == "limit")
    assert limit["text_vi"] == "Hạn mức thẻ đuôi {{card.last4}}"
    assert limit["updated_by"] == "ha" and limit["variables"] == ["card.last4"]
    assert page.errors == []


def test_approved_smart_reply_is_offered_and_one_click_inserts_it(
    hub_without_rasa: HubProcess, page: Any, artifacts_dir: Path
) -> None:
    hub = hub_without_rasa
    hub.wait_knowledge()
    agent, manager = Agent(hub.url), Agent(hub.url, "ha")
    wait = "Dạ anh chị vui lòng chờ em kiểm tra một chút ạ."
    for question in ("Thẻ của tôi bị khóa rồi, giúp tôi với", "thẻ tôi bị khoá không dùng được"):
        conv = int(Customer(hub.url).say(question).json()["conversation_id"])
        agent.post(f"/api/conversations/{conv}/claim").raise_for_status()
        agent.post(f"/api/conversations/{conv}/messages", text=wait).raise_for_status()
        agent.post(f"/api/conversations/{conv}/resolve", code="answered").raise_for_status()
    manager.http.post("/api/smart-replies/mine").raise_for_status()
    pending = manager.http.get("/api/smart-replies").json()["replies"]
    manager.http.post(
        f"/api/smart-replies/{pending[0]['id']}/review", json={"decision": "approve"}
    ).raise_for_status()

    customer = Customer(hub.url)
    conv_id = customer.say("Thẻ của tôi bị khóa, phải làm sao?").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    sign_in(page, hub.url, "linh")
    page.locator(f'[data-section=mine] .q-item[data-id="{conv_id}"]').click()
    button = page.locator("#smart-reply-slot .smart-reply")
    button.wait_for(timeout=60_000)
    assert button.count() == 1 and button.inner_text() == wait
    button.click()
    assert page.input_value("#reply") == wait
    page.screenshot(path=str(artifacts_dir / "smart-reply.png"))
    page.click("#send")
    wait_for(lambda: wait in agent_texts(customer))
    assert page.errors == []
