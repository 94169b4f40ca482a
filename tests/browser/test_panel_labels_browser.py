"""A Vietnamese agent's panel is Vietnamese: the note the hub writes when an assignment is
not acknowledged, the hand-off reason, the hand-off packet's intents and collected details,
and the customer's products, segment and spend categories are shown in the panel's
language (and in English after switching), never as the hub's English text or its codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.api.widget_identity import sign_customer
from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import DEMO_PASSWORD, HubProcess

pytestmark = pytest.mark.browser

SITE_SECRET = "demo-only-not-secret"  # the demo site's secret in demo mode


def sign_in(page: Any, base: str, username: str, lang: str) -> None:
    page.goto(f"{base}/panel")
    page.click(f"#login-form [data-lang={lang}]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".topbar")
    page.wait_for_selector("#conn.conn-live")


# A hand-off packet as the bot's hand-off action builds it (actions/handoff.py build_packet,
# with the details the fraud skill adds) after a lost-card form left unfinished.
PACKET = {
    "customer_id": "C001",
    "language": "vi",
    "intents": ["report_lost_card", "inform", "request_human"],
    "slots": {
        "language": "vi",
        "customer_id": "C001",
        "card_last4": "4821",
        "account_query": "due_date",
        "card_blocked": False,
        "block_reference": "BLK-2041",
    },
    "failed_turns": ["thẻ bị gì đó"],
    "problem": ["Tôi bị mất thẻ rồi"],
    "form": "lost_card_form",
    "form_slots": {"card_last4": "4821"},
    "reason": "form_abandoned",
    "transfer_notes": [
        "Linh Đỗ: khách cần khoá thẻ gấp",
        {"code": "ack_timeout", "agent": "minh", "seconds": 60},
    ],
}
# Renders a packet with the panel's own context card, in the page (modules are shared with
# the running panel, so its language is the panel's).
RENDER = """async (packet) => {
  const { contextCard } = await import("/panel/assets/conversation.js");
  const card = contextCard({ handoff_reason: packet.reason, context: packet });
  const texts = (selector) => [...card.querySelectorAll(selector)].map((n) => n.textContent);
  return {
    reason: texts(".context-reason strong")[0],
    form: texts(".form")[0],
    intents: texts(".intents .chip"),
    slots: [...card.querySelectorAll(".slot")].map((n) => [
      n.querySelector(".slot-k").textContent, n.querySelector(".slot-v").textContent]),
    notes: texts(".notes li"),
  };
}"""


def test_requeue_note_reason_and_profile_codes_in_the_panels_language(
    start_hub: Callable[..., HubProcess], page: Any, artifacts_dir: Path
) -> None:
    # Rasa is down, so the customer is queued for a person at once (reason bot_unavailable).
    hub = start_hub(ack_timeout_s="2")
    customer = Customer(hub.url, customer_id="C001", signature=sign_customer(SITE_SECRET, "C001"))
    conv_id = customer.say("cho tôi gặp nhân viên").json()["conversation_id"]
    # Offered to linh, who does not acknowledge it: it goes back to the queue with a note.
    linh = Agent(hub.url, "linh")
    linh.online()
    wait_for(
        lambda: any(
            isinstance(n, dict) and n.get("code") == "ack_timeout"
            for n in linh.conversation(conv_id)["conversation"]["context"]["transfer_notes"]
        )
    )
    linh.online(False)

    sign_in(page, hub.url, "quan", "vi")
    item = page.locator(f'[data-section=waiting] .q-item[data-id="{conv_id}"]')
    item.wait_for(timeout=30_000)
    assert item.locator(".q-reason").inner_text().strip() == "Bot gặp sự cố"
    item.click()
    card = page.locator(".context-card")
    card.wait_for()
    note = card.locator(".notes li").first
    assert note.inner_text().strip() == (
        "linh không xác nhận trong 2 giây; đã đưa lại vào hàng chờ."
    )
    assert card.locator(".context-reason strong").inner_text().strip() == "Bot gặp sự cố"

    # The profile: products, segment and spend categories by name, not by code.
    profile = page.locator("#profile")
    profile.locator(".chips .chip").first.wait_for(timeout=30_000)
    products = profile.locator(".chips .chip").all_inner_texts()
    assert "Thẻ tín dụng Classic" in products and "Tài khoản thanh toán" in products
    assert "Phân khúc: Phổ thông" in profile.locator(".profile-sub").inner_text()
    legend = profile.locator(".legend li").all_inner_texts()
    assert any(text.startswith("Mua sắm") for text in legend), legend
    page.screenshot(path=str(artifacts_dir / "panel-vi-labels.png"))

    # A full packet: intents, collected details and their values, the form, the notes.
    shown = page.evaluate(RENDER, PACKET)
    assert shown["reason"] == "Bỏ dở thao tác"
    assert shown["form"] == "Khoá thẻ bị mất"
    assert shown["intents"] == ["Báo mất thẻ", "Cung cấp thông tin", "Muốn gặp nhân viên"]
    assert dict(shown["slots"]) == {
        "Ngôn ngữ": "Tiếng Việt",
        "Mã khách hàng": "C001",
        "4 số cuối thẻ": "4821",
        "Nội dung tra cứu": "Hạn thanh toán",
        "Đã khoá thẻ": "Không",
        "Mã khoá thẻ": "BLK-2041",
    }
    assert shown["notes"] == [
        "Linh Đỗ: khách cần khoá thẻ gấp",  # a person's note, as they wrote it
        "minh không xác nhận trong 60 giây; đã đưa lại vào hàng chờ.",
    ]

    # The same packet in English for a supervisor who reads English.
    page.click(".topbar [data-lang=en]")
    page.locator(".context-card .notes li", has_text="Not acknowledged by linh").wait_for()
    assert page.locator(".context-card .context-reason strong").inner_text() == "Bot unavailable"
    assert "Classic credit card" in page.locator("#profile .chips .chip").all_inner_texts()
    shown = page.evaluate(RENDER, PACKET)
    assert shown["intents"] == ["Lost card", "Gives details", "Asks for a person"]
    assert ["Card's last 4 digits", "4821"] in shown["slots"]
    page.click(".topbar [data-lang=vi]")  # leave the shared browser as the tests expect it
    page.locator(".context-card .notes li", has_text="không xác nhận").wait_for()
    assert not page.errors, page.errors


def test_knowledge_audit_trail_and_versions_in_vietnamese(
    tmp_path: Path, page: Any, artifacts_dir: Path
) -> None:
    # An index of its own: a version saved here must not be served by the other tests' hubs.
    hub = HubProcess(tmp_path, index_dir=tmp_path / "index")
    hub.init_db()
    hub.start()
    try:
        check_audit_trail(hub, page, artifacts_dir)
    finally:
        hub.stop()


def check_audit_trail(hub: HubProcess, page: Any, artifacts_dir: Path) -> None:
    hub.wait_knowledge()
    # A draft goes through review: created, submitted, approved and published.
    ha, quan = Agent(hub.url, "ha"), Agent(hub.url, "quan")
    entry = {
        "product": "credit-card",
        "tags": ["cards"],
        "questions": {"vi": ["Thẻ có in được ảnh riêng không?"]},
        "answer": {"vi": "Có, bạn chọn ảnh khi mở thẻ trên Sen Vàng Mobile."},
    }
    draft = ha.post("/api/knowledge/drafts", entry_id="cards-photo-card", content=entry).json()
    ha.post(f"/api/knowledge/drafts/{draft['id']}/submit").raise_for_status()
    quan.post(f"/api/knowledge/drafts/{draft['id']}/approve").raise_for_status()

    sign_in(page, hub.url, "ha", "vi")
    page.click("[data-sub=versions]")
    audit = page.locator(".kb-audit")
    audit.locator("strong[data-code=draft_created]").first.wait_for(timeout=30_000)
    codes = audit.locator("strong").evaluate_all("nodes => nodes.map((n) => n.dataset.code)")
    shown = dict(zip(codes, audit.locator("strong").all_inner_texts(), strict=True))
    assert shown["draft_created"] == "Tạo bản nháp"
    assert shown["submitted"] == "Gửi duyệt"
    assert shown["approved"] == "Phê duyệt"
    assert shown["published"] == "Xuất bản bản nháp"
    # The newest version's note names what changed in words, and the entry by its id.
    notes = page.locator(".kb-versions li .kb-note-text").all_inner_texts()
    assert "Thêm / sửa cards-photo-card" in notes, notes
    assert "upsert" not in " ".join(notes)
    page.screenshot(path=str(artifacts_dir / "panel-vi-audit.png"))
    assert not page.errors, page.errors
