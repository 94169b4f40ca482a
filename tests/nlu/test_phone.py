"""chattext.phone, the one owner of phone parsing (hub call-backs, Rasa actions, NLU)."""

from __future__ import annotations

import pytest

from chattext.phone import PHONE_ENTITY, normalise_vn_phone
from nlu.patterns import PHONE, find_entities

# (typed, what the hub, the actions' form and the NLU extractor read). The mobile reading
# is the actions' former rule, the strictest of the three former copies on prefixes and
# digit runs; 0084 was read wrongly by the hub and not at all by the form.
TABLE = [
    # (text, normalise_vn_phone, NLU entity value)
    ("0901234567", "0901234567", "0901234567"),
    ("090 123 4567", "0901234567", "0901234567"),
    ("090.123.4567", "0901234567", "0901234567"),
    ("090-123-4567", "0901234567", "0901234567"),
    ("+84901234567", "0901234567", "0901234567"),
    ("+84 901 234 567", "0901234567", "0901234567"),
    ("+8490 123 4567", "0901234567", "0901234567"),
    ("84 901 234 567", "0901234567", None),
    ("84901234567", "0901234567", None),
    ("0084901234567", "0901234567", "0901234567"),
    ("0084 90 123 4567", "0901234567", "0901234567"),
    ("(+84) 912-345-678", "0912345678", None),
    ("(090) 123-4567", "0901234567", None),
    ("090  123  4567", "0901234567", None),
    ("090\t123\t4567", "0901234567", None),
    ("0 9 0 1 2 3 4 5 6 7", "0901234567", "0901234567"),
    ("số của tôi là 0912.345.678", "0912345678", "0912345678"),
    ("sdt: 0901234567, cảm ơn", "0901234567", "0901234567"),
    ("0901234567 hoặc 0912345678", "0901234567", "0901234567"),
    # Too short, letters, no such mobile prefix, glued to other digits.
    ("0901234", None, None),
    ("09012345", None, None),
    ("12345", None, None),
    ("abc", None, None),
    ("090abc1234", None, None),
    ("", None, None),
    ("0201234567", None, "0201234567"),
    ("02812345678", None, None),
    ("4111111111111111", None, None),
    ("10901234567", None, None),
    ("09012345678", None, None),
    ("1234 0901 2345 67", None, "0901234567"),
    ("0901234567 8", None, "0901234567"),
]


@pytest.mark.parametrize(("text", "mobile", "_entity"), TABLE)
def test_normalise_vn_phone(text: str, mobile: str | None, _entity: str | None) -> None:
    assert normalise_vn_phone(text) == mobile


@pytest.mark.parametrize(("text", "_mobile", "entity"), TABLE)
def test_nlu_phone_entity_is_unchanged(text: str, _mobile: str | None, entity: str | None) -> None:
    phones = [m.value for m in find_entities(text) if m.entity == PHONE]
    assert (phones[0] if phones else None) == entity


def test_nlu_pattern_is_the_trained_one() -> None:
    # The extractor ran with this exact pattern when the shipped model was trained.
    trained = r"(?<![\d+])(\+84|0084|0)[ .-]?((?:\d[ .-]?){8}\d)(?!\d)"
    assert PHONE_ENTITY.pattern == trained


def test_hub_and_form_read_phones_alike() -> None:
    from actions.validation import parse_phone

    for text, mobile, _ in TABLE:
        assert parse_phone(text) == mobile, text
