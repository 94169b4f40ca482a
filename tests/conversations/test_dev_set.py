"""The development set of conversations is kept apart from the test set: its own ids, no
customer turn of one typed in the other, and only outcomes the checks know."""

from __future__ import annotations

import unicodedata

from tests.conversations.harness import DEV, load_set

KNOWN_EXPECT = {
    "handoff",
    "reason",
    "priority",
    "card_blocked",
    "linked",
    "callback",
    "faq",
    "contains",
    "contains_any",
    "form",
}
KNOWN_THEN = {"asks", "not_asks", "faq", "not_faq", "contains", "contains_any"}


def _turns(items: list[dict]) -> set[str]:
    said = set()
    for item in items:
        for turn in item["turns"]:
            text = turn["say"] if isinstance(turn, dict) else str(turn)
            said.add(unicodedata.normalize("NFC", text).casefold().strip())
    return said


def test_the_development_set_is_apart_from_the_test_set() -> None:
    dev, test = load_set(folder=DEV), load_set()
    assert len(dev) >= 20
    assert not {i["id"] for i in dev} & {i["id"] for i in test}
    # Short answers any conversation may type ("4821", a phone, "yes") are not the set's
    # wording; whole sentences must not be shared.
    shared = {t for t in _turns(dev) & _turns(test) if len(t.split()) > 3}
    assert not shared


def test_the_development_set_asks_only_for_known_outcomes() -> None:
    for item in load_set(folder=DEV):
        assert set(item.get("expect") or {}) <= KNOWN_EXPECT, item["id"]
        assert item["expect"], item["id"]
        checks = [item["expect"]]
        for turn in item["turns"]:
            if isinstance(turn, dict):
                assert set(turn.get("then") or {}) <= KNOWN_THEN, item["id"]
                checks.append(turn.get("then") or {})
        # Texts to find are strings as written: YAML reads an unquoted 460.000 as a number.
        for keys in checks:
            for words in (keys.get("contains") or []) + (keys.get("contains_any") or []):
                assert isinstance(words, str), (item["id"], words)
