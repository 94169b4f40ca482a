"""The agent workspace in a real browser against the real hub (and Rasa, when trained).

An agent signs in, sees a customer arrive in the queue live, claims the conversation, gets
a pushed answer suggestion, inserts and sends it, and the customer receives it. A retail-only
customer (C001) gets a cross-sell prompt with its reason; a customer reporting fraud (C002)
gets none. Customer HTML is shown as text.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import DEMO_PASSWORD, MODEL, RASA_BIN, HubProcess

pytestmark = pytest.mark.browser

SITE = "demo-bank"
SITE_SECRET = "demo-only-not-secret"  # the demo site's secret in demo mode


@pytest.fixture
def hub(request: pytest.FixtureRequest) -> Iterator[HubProcess]:
    """The full stack when the Rasa model is trained; otherwise a hub whose bot is down,
    which queues every customer for a person at once (the panel's side is the same)."""
    if MODEL.exists() and RASA_BIN.exists():
        yield request.getfixturevalue("live_stack")[0]
    else:
        yield request.getfixturevalue("hub_without_rasa")


class Customer:
    """A customer on the website widget, signed in as a demo customer."""

    def __init__(self, base: str, customer_id: str) -> None:
        from bot.api.widget_identity import sign_customer

        self.base = base
        body = {
            "site": SITE,
            "customer_id": customer_id,
            "signature": sign_customer(SITE_SECRET, customer_id),
        }
        response = httpx.post(f"{base}/api/widget/session", json=body, timeout=10)
        response.raise_for_status()
        self.token = response.json()["token"]

    def say(self, text: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/api/widget/messages",
            json={"text": text, "client_id": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        response.raise_for_status()
        return dict(response.json())

    def history(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.base}/api/widget/history",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        response.raise_for_status()
        return list(response.json()["messages"])


def staff(base: str, username: str) -> tuple[httpx.Client, dict[str, str]]:
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post(
        "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    response.raise_for_status()
    return client, {"X-CSRF-Token": response.json()["csrf_token"]}


def clean_slate(base: str, customer_ids: list[str]) -> None:
    """Other tests share the stack: take every agent offline (so nothing is auto-assigned
    behind our back) and close what these customers still have open."""
    for username in ("linh", "minh"):
        client, headers = staff(base, username)
        client.post(
            "/api/agents/me/status", json={"online": False}, headers=headers
        ).raise_for_status()
    client, headers = staff(base, "quan")
    queue = client.get("/api/queue").json()
    for conv in queue["waiting"] + queue["assigned"]:
        if conv["customer_id"] in customer_ids:
            client.post(
                f"/api/conversations/{conv['id']}/resolve", json={"code": "other"}, headers=headers
            )


def wait_for(predicate: Any, timeout_s: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def hand_to_agent(customer: Customer) -> int:
    """The customer asks for a person; with Rasa this is the handoff intent, without it
    the hub queues the customer anyway."""
    result = customer.say("Tôi muốn gặp nhân viên")
    return int(result["conversation_id"])


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/panel")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".topbar")
    # A selector wait, not a JS predicate: the panel's CSP forbids eval, which polling uses.
    page.wait_for_selector("#conn.conn-live")


def test_agent_claims_inserts_suggestion_and_sees_offer(
    hub: HubProcess, page: Any, artifacts_dir: Path
) -> None:
    base = hub.url
    clean_slate(base, ["C001"])
    feedback: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda req: (
            feedback.append(req.post_data_json)
            if req.url.endswith("/api/suggestions/feedback") and req.method == "POST"
            else None
        ),
    )
    sign_in(page, base, "linh")

    # A customer arrives: the queue shows them without a reload.
    customer = Customer(base, "C001")
    conv_id = hand_to_agent(customer)
    item = page.locator(f'[data-section=waiting] .q-item[data-id="{conv_id}"]')
    item.wait_for(timeout=30_000)
    assert item.locator(".wait").inner_text().count(":") >= 1
    assert item.locator(".prio").count() == 1
    assert item.locator(".q-reason").inner_text().strip() not in ("", "—")

    # One click claims it and opens the conversation with its context packet.
    item.locator("[data-action=claim]").click()
    page.locator(f'[data-section=mine] .q-item[data-id="{conv_id}"]').wait_for()
    page.locator(".conv-head .state-assigned").wait_for()
    assert page.locator(".context-card").is_visible()
    assert page.locator("#reply").is_enabled()

    # A question pushes a relevant suggestion; one click inserts it, the agent sends it.
    asked = customer.say("Làm sao để kích hoạt thẻ mới?")
    page.wait_for_function(
        "id => window.tandemPanel.state.assist.message_id === id",
        arg=asked["message"]["id"],
        timeout=60_000,
    )
    suggestion = page.locator('.suggestion[data-entry-id="cards-activation"]')
    suggestion.wait_for()
    assert page.locator(".suggestion").count() <= 3
    assert suggestion.locator(".sug-matched").inner_text().strip()
    assert suggestion.locator(".pct").inner_text().endswith("%")
    suggestion.locator("[data-action=insert]").click()
    answer = page.input_value("#reply")
    assert "kích hoạt" in answer
    page.click("#send")
    page.locator(".msg-agent .msg-text", has_text=answer[:40]).wait_for()
    assert page.input_value("#reply") == ""

    delivered = wait_for(
        lambda: [m for m in customer.history() if m["sender"] == "agent" and m["text"] == answer],
        what="the agent's reply in the customer's widget history",
    )
    assert delivered
    wait_for(
        lambda: "sent" in [f["event"] for f in feedback if f], timeout_s=10, what="sent feedback"
    )
    events = [f["event"] for f in feedback if f and f.get("entry_id") == "cards-activation"]
    # Shown to this agent when the column drew it, then inserted and sent.
    assert events[:3] == ["shown", "inserted", "sent"]

    # Customer HTML arrives live and is shown as text, never run.
    hostile = (
        'Xem giúp <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> nhé'
    )
    customer.say(hostile)
    page.locator(".msg-customer .msg-text", has_text="<img src=x").wait_for()
    assert page.locator("#transcript img, #transcript script").count() == 0
    assert page.evaluate("window.__pwned === undefined")

    # C001 spends almost everything in retail and holds no travel card: one offer, with why.
    offer = page.locator("#offer .offer")
    offer.wait_for(timeout=30_000)
    assert page.locator("#offer .offer").count() == 1
    reason = offer.locator(".offer-reason").inner_text()
    assert "%" in reason
    assert offer.locator("[data-outcome]").count() == 3

    page.locator(".profile-block").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "panel.png"))
    assert not page.errors, page.errors


def test_no_offer_for_customer_reporting_fraud(
    hub: HubProcess, page: Any, artifacts_dir: Path
) -> None:
    base = hub.url
    clean_slate(base, ["C002"])
    sign_in(page, base, "linh")
    customer = Customer(base, "C002")
    conv_id = hand_to_agent(customer)
    item = page.locator(f'[data-section=waiting] .q-item[data-id="{conv_id}"]')
    item.wait_for(timeout=30_000)
    item.locator("[data-action=claim]").click()
    page.locator(".conv-head .state-assigned").wait_for()

    report = customer.say("Thẻ của tôi bị đánh cắp và có giao dịch lạ, tôi nghi bị lừa đảo")
    message_id = report["message"]["id"]
    page.wait_for_function(
        "id => window.tandemPanel.state.assist.message_id === id", arg=message_id, timeout=60_000
    )
    # The offer decision is pushed right after the suggestions; wait until the hub has made it.
    client, _ = staff(base, "linh")
    assist = wait_for(
        lambda: (
            (a := client.get(f"/api/conversations/{conv_id}/assist").json())["message_id"]
            == message_id
            and a
        ),
        what="the assist state for the fraud report",
    )
    assert assist["offer"] is None
    page.wait_for_timeout(1000)
    assert page.locator("#offer .offer").count() == 0
    page.screenshot(path=str(artifacts_dir / "panel-fraud.png"))
    assert not page.errors, page.errors
