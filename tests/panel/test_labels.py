"""Every code the hub can put in front of a person in the panel has a Vietnamese and an
English label: hand-off reasons, intents and slots of the hand-off packet, forms, notes the
hub writes, customers' products, spend categories and segments, channels, languages,
knowledge audit actions, alert kinds and how a conversation's customer is known.

The codes are walked from where they are made (the domain, the actions, the hub's modules,
the demo data and the offer rules), so a new one without a label fails here, not on an
agent's screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from bot.access.customer_link import Link
from bot.handoff.notes import NOTES, note, note_text
from bot.i18n.language import LANGUAGES
from bot.panel import labels as panel_labels
from tandem.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "bot" / "panel" / "static"


def labels() -> dict[str, dict[str, dict[str, str]]]:
    """The panel's label tables, read from labels.js as the hub reads them."""
    return panel_labels.labels()


def sources(*globs: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for g in globs for p in sorted(ROOT.glob(g)))


def hand_off_reasons() -> set[str]:
    actions = sources("actions/*.py")
    hub = sources("bot/pipeline/*.py", "bot/handoff/*.py")
    found = set(re.findall(r'offer_human\(\s*dispatcher,\s*"(\w+)"', actions))
    found |= set(re.findall(r'hand_off\(\s*dispatcher,\s*tracker,\s*"(\w+)"', actions))
    intent_reasons = re.search(r"INTENT_REASONS = \((.*?)\n\)", actions, re.S)
    assert intent_reasons, "INTENT_REASONS moved: update this walk"
    found |= set(re.findall(r'\(\s*"\w+",\s*"(\w+)"\s*\)', intent_reasons.group(1)))
    found |= set(re.findall(r'^REASON = "(\w+)"', actions, re.M))
    reason_of = re.search(r"def handoff_reason\(.*?\n\n\n", sources("actions/handoff.py"), re.S)
    assert reason_of, "handoff_reason moved: update this walk"
    found |= set(re.findall(r'return "(\w+)"', reason_of.group(0)))
    found |= set(re.findall(r'"reason":\s*"(\w+)"', hub))
    settings = Settings(_env_file=None)
    found |= set(settings.urgent_reasons) | set(settings.high_priority_reasons)
    return found


def domain() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")))


def packet_slots() -> set[str]:
    """Slots of the domain, and the details the fraud skill adds to its packet."""
    fraud = sources("actions/fraud.py")
    extra = set(re.findall(r'known\["(\w+)"\]', fraud))
    literal = re.search(r"known: dict\[str, Any\] = \{([^}]*)\}", fraud)
    assert literal, "the fraud skill's packet details moved: update this walk"
    extra |= set(re.findall(r'"(\w+)":', literal.group(1)))
    return set(domain()["slots"]) | extra


def audit_actions() -> set[str]:
    found = set(re.findall(r'audit\(\s*session,\s*"(\w+)"', sources("bot/**/*.py")))
    # The knowledge service's changes are audited under their kind (bot/kb/history.py).
    changes = sources("bot/kb/*.py", "knowledge/*.py")
    for first, other in re.findall(r'"kind":\s*"(\w+)"(?: if [^\n]*? else "(\w+)")?', changes):
        found |= {first, other} - {""}
    return found | {"publish"}  # Recorder's default kind


def demo_customers() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "bot" / "store" / "demo_data.yaml").read_text("utf-8"))
    return list(data["customers"])


def rule_conditions(key: str) -> set[str]:
    rules = yaml.safe_load((ROOT / "knowledge" / "rules.yaml").read_text("utf-8"))
    found: set[str] = set()
    for rule in rules.get("rules") or []:
        for value in ((rule.get("when") or {}).get("customer") or {}).get(key) or []:
            found.add(str(value))
    return found


def products() -> set[str]:
    held = {str(p) for c in demo_customers() for p in c.get("products") or []}
    return (
        held
        | rule_conditions("has_any_product")
        | rule_conditions("has_all_products")
        | rule_conditions("lacks_products")
    )


def spend_categories() -> set[str]:
    return {
        str(category)
        for c in demo_customers()
        for month in (c.get("spend") or {}).values()
        for category in month
    }


def segments() -> set[str]:
    return {str(c.get("segment", "mass")) for c in demo_customers()} | rule_conditions("segment_in")


def alert_kinds() -> set[str]:
    return set(re.findall(r'Alert\(\s*kind="(\w+)"', sources("bot/**/*.py")))


WALKS = {
    "reason": hand_off_reasons,
    "intent": lambda: set(domain()["intents"]),
    "slot": packet_slots,
    "form": lambda: set(domain()["forms"]),
    "value": lambda: (
        {str(v) for v in domain()["slots"]["account_query"]["values"]} | {"true", "false"}
    ),
    "note": lambda: set(NOTES),
    "product": products,
    "spend": spend_categories,
    "segment": segments,
    "channel": lambda: {"web", "telegram", "api"},
    "lang": lambda: set(LANGUAGES),
    "audit": audit_actions,
    "alert": alert_kinds,
    "verified_by": lambda: set(get_args(Link)),
}
# What each walk must at least find, so a walk that silently stops finding codes fails.
SURE = {
    "reason": {"customer_request", "fallback", "bot_unavailable", "fraud", "hub_unavailable"},
    "slot": {"card_last4", "card_blocked", "block_reference"},
    "product": {"credit_card_classic", "travel_insurance"},
    "spend": {"retail", "travel"},
    "audit": {"draft_created", "published", "publish", "delete", "corpus_rollback", "gap_closed"},
    "alert": {"transfer_cap", "callback_overdue", "callback_reminder", "brute_force"},
    "verified_by": {"signed", "otp", "card_dob", "agent"},
}


@pytest.mark.parametrize("kind", sorted(WALKS))
def test_every_code_the_hub_sends_has_both_labels(kind: str) -> None:
    codes = WALKS[kind]()
    assert SURE.get(kind, set()) <= codes, f"the walk of {kind} codes found too little: {codes}"
    table = labels().get(kind, {})
    missing = sorted(c for c in codes if c not in table)
    assert not missing, f"{kind} codes without a panel label: {missing}"
    for code in codes:
        vi, en = table[code].get("vi", ""), table[code].get("en", "")
        assert vi.strip() and en.strip(), f"{kind} {code}: both languages are needed"


def test_vietnamese_labels_are_vietnamese() -> None:
    """The Vietnamese side is not the English one copied over (names like Telegram aside)."""
    same = [
        f"{kind}_{code}"
        for kind, table in labels().items()
        for code, text in table.items()
        if text["vi"] == text["en"] and kind != "channel"
    ]
    assert not same, f"untranslated labels: {same}"


def test_the_hubs_note_wording_matches_the_panels() -> None:
    """The event log's text (the hub) and the packet's (the panel) say the same thing."""
    panel = labels()["note"]
    for code, texts in NOTES.items():
        assert panel[code] == texts
    stored = note("ack_timeout", agent="linh", seconds=60)
    assert stored == {"code": "ack_timeout", "agent": "linh", "seconds": 60}
    assert note_text(stored, "vi") == (
        "linh không xác nhận trong 60 giây; đã đưa lại vào hàng chờ."
    )
    assert note_text(stored, "en") == "Not acknowledged by linh within 60 s; requeued."
    assert note_text("Linh Đỗ: khách hỏi về khoản vay") == "Linh Đỗ: khách hỏi về khoản vay"
    with pytest.raises(KeyError):
        note("no_such_note")


def test_code_labels_have_one_owner() -> None:
    """Labels of these codes live in labels.js only, not also among the interface strings."""
    kinds = "|".join(labels())
    for path in STATIC.glob("*.js"):
        if path.name == "labels.js":
            continue
        text = path.read_text(encoding="utf-8")
        doubled = re.findall(rf"^\s+((?:{kinds})_\w+):", text, re.M)
        assert not doubled, f"{path.name} labels codes of labels.js again: {doubled}"
