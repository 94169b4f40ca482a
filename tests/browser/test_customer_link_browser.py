"""The panel shows who a verified customer is and how they were linked, and the agent
working the conversation links or unlinks one with a reason, in a real browser against a
real hub."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.browser.test_panel_labels_browser import sign_in
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import SERVICE_TOKEN, HubProcess

pytestmark = pytest.mark.browser

LONG = 60_000  # ms: bounds a wait on a busy machine, never a speed requirement


def test_the_profile_shows_how_the_customer_was_linked_and_agents_relink(
    start_hub: Callable[..., HubProcess], page: Any
) -> None:
    # Rasa is down, so the anonymous customer is queued for a person at once.
    hub = start_hub()
    conv_id = Customer(hub.url).say("cho tôi gặp nhân viên").json()["conversation_id"]
    linh = Agent(hub.url, "linh")
    wait_for(lambda: linh.conversation(conv_id)["conversation"]["state"] == "waiting")
    assert linh.post(f"/api/conversations/{conv_id}/claim").status_code == 200
    # The bot's fraud form passes the card check for C002 (as the action server calls it).
    with httpx.Client(
        base_url=hub.url, timeout=30, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    ) as internal:
        checked = internal.post(
            "/internal/identity/verify",
            json={
                "sender_id": f"c{conv_id}-0-0",
                "phone": "0912345678",
                "card_last4": "7305",
                "dob": "1992-11-02",
            },
        )
    assert checked.json()["verified"] is True

    sign_in(page, hub.url, "linh", "vi")
    item = page.locator(f'.q-item[data-id="{conv_id}"]').first
    item.wait_for(timeout=LONG)
    assert item.locator(".q-who").inner_text().strip() == "Trần Thị Bích"
    item.click()
    profile = page.locator("#profile")
    how = profile.locator(".profile-how")
    how.wait_for(timeout=LONG)
    assert how.inner_text().strip() == "Đã xác minh bằng thẻ + ngày sinh"
    assert "Trần Thị Bích" in profile.locator(".profile-name").inner_text()

    # Unlink, with a reason: the profile empties and offers to link instead.
    profile.locator("[data-action=unlink-customer]").click()
    dialog = page.locator("dialog.dialog")
    dialog.locator("textarea[name=reason]").fill("Khách nói không phải chủ thẻ")
    dialog.locator("button[type=submit]").click()
    profile.locator("[data-action=link-customer]").wait_for(timeout=LONG)
    assert "Khách chưa đăng nhập" in profile.inner_text()

    # Link another customer: a reason is required before anything is sent.
    profile.locator("[data-action=link-customer]").click()
    dialog.locator("input[name=customer_id]").fill("C003")
    dialog.locator("button[type=submit]").click()
    assert dialog.is_visible()  # the browser refuses the empty required reason
    dialog.locator("textarea[name=reason]").fill("Đã gọi lại số đăng ký, khách xác nhận")
    dialog.locator("button[type=submit]").click()
    how.wait_for(timeout=LONG)
    page.locator("#profile .profile-how", has_text="Nhân viên liên kết").wait_for(timeout=LONG)
    assert how.inner_text().strip() == (
        "Nhân viên liên kết (linh), lý do: Đã gọi lại số đăng ký, khách xác nhận"
    )
    assert "Lê Minh Châu" in profile.locator(".profile-name").inner_text()
    page.locator(f'.q-item[data-id="{conv_id}"] .q-who', has_text="Lê Minh Châu").first.wait_for(
        timeout=LONG
    )
    assert page.errors == []
