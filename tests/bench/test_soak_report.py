"""How the soak counts hand-offs: a request for a person is asked for whichever reason the
bot gives it, and a label cannot make more hand-offs "asked" than the scripts requested."""

from __future__ import annotations

import sys
from typing import Any

import yaml

from tests.support.stack import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from soak_clients import Sent  # noqa: E402
from soak_report import handoff_report  # noqa: E402

HUMAN = yaml.safe_load((ROOT / "bench" / "soak_messages.yaml").read_text(encoding="utf-8"))["human"]


def _store(*reasons: str) -> dict[str, list[dict[str, Any]]]:
    return {"handoffs": [{"note": reason} for reason in reasons]}


def _asked(*customers: int) -> list[Sent]:
    records = [
        Sent(key=f"k{c}", channel="web-http", customer=c, text=HUMAN[0], acked=True)
        for c in customers
    ]
    # Raw Rasa's copy of the same scripts asks nobody at the hub.
    records.append(Sent(key="raw", channel="raw-rasa", customer=99, text=HUMAN[0], acked=True))
    return records


def test_a_request_made_in_a_form_counts_as_asked() -> None:
    report = handoff_report(_store("customer_request", "form_abandoned"), _asked(1, 2))
    assert report["expected_handoffs"] == 2
    assert report["false_handoffs"] == 0
    assert report["handoffs_by_reason"] == {"customer_request": 1, "form_abandoned": 1}


def test_other_reasons_are_false() -> None:
    report = handoff_report(_store("customer_request", "bot_unavailable", "fallback"), _asked(1))
    assert report["false_handoffs"] == 2


def test_asked_reasons_beyond_the_requests_made_are_false() -> None:
    report = handoff_report(
        _store("customer_request", "customer_request", "form_abandoned"), _asked(1)
    )
    assert report["expected_handoffs"] == 1
    assert report["false_handoffs"] == 2
