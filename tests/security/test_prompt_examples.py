"""No example in a prompt may be a real record: a customer who types the example date of
birth, card digits or phone number must never verify as, or reach, a demo customer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.texts import TEXTS as ACTION_TEXTS
from bot.channels.telegram import TEXTS as TELEGRAM_TEXTS
from bot.i18n.texts import TEXTS as HUB_TEXTS
from bot.store.seed import load_demo_data

ROOT = Path(__file__).resolve().parents[2]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def prompt_texts() -> list[str]:
    """Every text the bot, the hub or a channel may send a customer, and the panel's hints."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = [
        *_strings(domain["responses"]),
        *_strings(ACTION_TEXTS),
        *_strings(HUB_TEXTS),
        *_strings(TELEGRAM_TEXTS),
    ]
    for script in (ROOT / "bot" / "panel" / "static").glob("*.js"):
        texts.extend(re.findall(r'placeholder: "([^"]*)"', script.read_text(encoding="utf-8")))
    return texts


def demo_secrets() -> list[tuple[str, str]]:
    """(what, how it may be written) for every date of birth, card ending and phone number."""
    found = []
    for customer in load_demo_data()["customers"]:
        dob = customer["dob"]
        for fmt in ("%d/%m/%Y", "%-d/%-m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d%m%Y"):
            found.append((f"{customer['id']} date of birth", dob.strftime(fmt)))
        for card in customer.get("cards", []):
            found.append((f"{customer['id']} card ending", str(card["last4"])))
        found.append((f"{customer['id']} phone", str(customer["phone"])))
    return found


def _digits_only(text: str) -> str:
    # "0901 234 567" and "0901.234.567" are the same number.
    return re.sub(r"(?<=\d)[\s.-](?=\d)", "", text)


def test_there_are_examples_to_check() -> None:
    texts = prompt_texts()
    assert any("ví dụ" in t for t in texts) and any("for example" in t for t in texts)
    assert len(demo_secrets()) >= 15


@pytest.mark.parametrize(("what", "secret"), demo_secrets(), ids=lambda v: str(v))
def test_no_prompt_example_matches_a_demo_record(what: str, secret: str) -> None:
    pattern = re.compile(rf"(?<![\d/.-]){re.escape(secret)}(?![\d/.-]*\d)")
    hits = [t for t in prompt_texts() if pattern.search(_digits_only(t))]
    assert hits == [], f"{what} ({secret}) appears in a prompt: {hits}"
