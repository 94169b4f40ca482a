"""The customer's mood on the agent's queue card: a waiting customer who writes a strongly
negative message moves up to "high" priority, and the card says why, in the panel's
language, with the customer's own words; a neutral message changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_routing_browser import sign_in
from tests.support.clients import Customer, wait_for
from tests.support.stack import HubProcess

pytestmark = pytest.mark.browser

ROUTINE = "cho tôi gặp nhân viên"
NEUTRAL = "Cho tôi hỏi phí thường niên thẻ Visa Gold là bao nhiêu?"
UPSET = "Chờ cả tiếng rồi mà không ai trả lời, bực mình quá!!!"


def card_text(page: Any, conv_id: int, selector: str) -> str | None:
    node = page.query_selector(f"[data-section=waiting] .q-item[data-id='{conv_id}'] {selector}")
    return (node.text_content() or "").strip() if node else None


def test_a_negative_turn_raises_the_cards_priority_with_its_reason(
    start_hub: Callable[..., HubProcess], page: Any, artifacts_dir: Path
) -> None:
    hub = start_hub()
    customer = Customer(hub.url)
    conv_id = customer.say(ROUTINE).json()["conversation_id"]
    sign_in(page, hub.url, "linh")
    wait_for(lambda: card_text(page, conv_id, ".prio") == "Thường")

    # The handed-off message and a neutral question: a neutral mood, no raise.
    wait_for(lambda: card_text(page, conv_id, ".q-mood") == "😐 Bình thường")
    customer.say(NEUTRAL)
    assert card_text(page, conv_id, ".prio") == "Thường"
    assert card_text(page, conv_id, ".q-raised") is None

    customer.say(UPSET)  # pushed to the panel: no reload
    wait_for(lambda: card_text(page, conv_id, ".prio") == "Cao")
    assert card_text(page, conv_id, ".q-raised") == "Khách bức xúc: “bực mình quá”"
    assert card_text(page, conv_id, ".q-mood") == "☹ Bức xúc"
    page.screenshot(path=str(artifacts_dir / "sentiment-raised-card.png"))

    # In English the same card says it in English.
    page.evaluate("localStorage.setItem('tandem.lang', 'en')")
    page.reload()
    page.wait_for_selector("#conn.conn-live")
    wait_for(lambda: card_text(page, conv_id, ".q-raised") == "Customer upset: “bực mình quá”")
    assert card_text(page, conv_id, ".prio") == "High"
