"""Regex entities: card_last4, phone, dob."""

import pytest

from nlu.patterns import find_entities


def values(text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.value) for m in find_entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 số cuối là 1234", [("card_last4", "1234")]),
        ("last four: 4321.", [("card_last4", "4321")]),
        ("sdt 0912345678", [("phone", "0912345678")]),
        ("+84 912 345 678", [("phone", "0912345678")]),
        ("0912.345.678", [("phone", "0912345678")]),
        ("sinh ngày 14/03/1988", [("dob", "1988-03-14")]),
        ("14-03-1988", [("dob", "1988-03-14")]),
        ("1988-03-14", [("dob", "1988-03-14")]),
        (
            "thẻ 5678, sđt 0987654321, sinh 01/12/1990",
            [("card_last4", "5678"), ("phone", "0987654321"), ("dob", "1990-12-01")],
        ),
    ],
)
def test_extracts(text: str, expected: list[tuple[str, str]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12345",  # five digits
        "123",
        "card 1234 5678 9012 3456",  # a full card number is not "last four"
        "chuyển 1.000.000 đồng",
        "31/02/1990",  # no such date
        "091234567",  # phone one digit short
    ],
)
def test_ignores(text: str) -> None:
    assert values(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Card digits in every form a customer types them.
        ("3342", [("card_last4", "3342")]),
        ("đuôi 3342", [("card_last4", "3342")]),
        ("4 số cuối là 3342", [("card_last4", "3342")]),
        ("3 3 4 2", [("card_last4", "3342")]),
        ("so cuoi 3-3-4-2 nha", [("card_last4", "3342")]),
        # Dates: digits with a two-digit year, Vietnamese words, English month names.
        ("30/01/1985", [("dob", "1985-01-30")]),
        ("30-1-85", [("dob", "1985-01-30")]),
        ("30 tháng 1 năm 1985", [("dob", "1985-01-30")]),
        ("ngay 30 thang 1 nam 85", [("dob", "1985-01-30")]),
        ("sinh ngày 30 tháng 01, 1985", [("dob", "1985-01-30")]),
        ("Jan 30 1985", [("dob", "1985-01-30")]),
        ("born January 30th, 1985", [("dob", "1985-01-30")]),
        ("30 Jan 1985", [("dob", "1985-01-30")]),
        ("ngay sinh 30/1/1985", [("dob", "1985-01-30")]),
        # Phone numbers with spaces or +84.
        ("0912 345 678", [("phone", "0912345678")]),
        ("+84 912 345 678", [("phone", "0912345678")]),
        ("+84912345678", [("phone", "0912345678")]),
    ],
)
def test_every_typed_form(text: str, expected: list[tuple[str, str]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1 2 3 4 5",  # five digits one by one
        "3 3 4",
        "30/1-1985",  # mixed separators
        "5 triệu lúc 10.30 ngày 3/12",  # a time and a date without a year
        "30 tháng 2 năm 1985",  # no such date
        "Feb 30 1985",
    ],
)
def test_ignores_near_misses(text: str) -> None:
    assert values(text) == []


def test_offsets_point_into_text() -> None:
    text = "số cuối 9876 nhé"
    (match,) = find_entities(text)
    assert text[match.start : match.end] == "9876"
