"""Sessions in the workspace, in a real browser: a supervisor signs an agent out everywhere
from the supervision tab and the agent's open page drops to sign-in with a reason; an
agent changes their password and stays signed in on this page only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.stack import DEMO_PASSWORD, HubProcess

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-new-and-long-password-42"


def sign_in(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/panel")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".topbar")
    # Locators, not wait_for_function: the page's CSP forbids evaluating strings.
    page.locator("#conn.conn-live").wait_for()


def test_a_supervisor_signs_an_agent_out_everywhere(
    hub_without_rasa: HubProcess, page: Any, browser_context: Any
) -> None:
    base = hub_without_rasa.url
    agent_page = browser_context.new_page()
    sign_in(agent_page, base, "linh")
    sign_in(page, base, "quan")

    page.click("button[data-tab=supervisor]")
    row = page.locator("#sessions tr[data-user=linh]")
    row.wait_for()
    row.locator(".sign-out-user").click()
    page.click("dialog button[value=ok]")
    page.locator(".toast-ok").wait_for()

    # The agent's open page hears it over its socket and asks to sign in again.
    agent_page.wait_for_selector("#login-form", timeout=20_000)
    assert "kết thúc" in agent_page.locator("#login-form .form-error").inner_text()
    page.locator("#sessions tr[data-user=linh]").wait_for(state="detached")
    assert page.locator(".topbar").is_visible()  # the supervisor is still signed in
    assert not page.errors and not [e for e in getattr(agent_page, "errors", [])]


def test_an_agent_changes_their_password_and_stays_signed_in_here(
    hub_without_rasa: HubProcess, page: Any
) -> None:
    base = hub_without_rasa.url
    other_device = httpx.Client(base_url=base, timeout=30)
    other_device.post(
        "/api/auth/login", json={"username": "linh", "password": DEMO_PASSWORD}
    ).raise_for_status()
    sign_in(page, base, "linh")

    page.click("#change-password")
    page.fill("dialog input[name=current]", DEMO_PASSWORD)
    page.fill("dialog input[name=next]", NEW_PASSWORD)
    page.fill("dialog input[name=repeat]", NEW_PASSWORD)
    page.click("dialog button[value=ok]")
    page.locator(".toast-ok").wait_for()
    page.locator("#conn.conn-live").wait_for()

    # This page works with its new session (a change needs the new CSRF token).
    page.click("#presence")
    page.wait_for_selector("#presence.is-online")
    assert page.locator("#login-form").count() == 0
    assert other_device.get("/api/auth/me").status_code == 401
    login = {"username": "linh", "password": NEW_PASSWORD}
    assert httpx.post(f"{base}/api/auth/login", json=login, timeout=30).status_code == 200
    assert not page.errors
