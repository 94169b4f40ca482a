"""Dates as customers type them (chattext.dates): one reader for the NLU and the forms."""

from __future__ import annotations

from datetime import date

import pytest

from chattext.dates import find_dates, parse_birth_date, parse_date_field

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    "text",
    [
        "30/01/1985",
        "30-1-85",
        "30.1.1985",
        "1985-01-30",
        "30 tháng 1 năm 1985",
        "ngày 30 tháng 01 năm 1985",
        "ngay 30 thang 1 nam 1985",
        "30 th1 1985",
        "Jan 30 1985",
        "January 30th, 1985",
        "30 Jan 1985",
        "30th of January 1985",
        "sinh ngày 30/1/1985 ạ",
    ],
)
def test_every_common_form(text: str) -> None:
    assert parse_birth_date(text, today=TODAY) == date(1985, 1, 30)


def test_two_digit_years_are_the_latest_past_year() -> None:
    assert parse_birth_date("1/2/03", today=TODAY) == date(2003, 2, 1)
    assert parse_birth_date("1/2/27", today=TODAY) == date(1927, 2, 1)


def test_spaced_numbers_only_where_a_date_is_asked() -> None:
    assert parse_birth_date("30 01 1985", today=TODAY) is None
    assert parse_birth_date("30 01 1985", today=TODAY, spaced=True) == date(1985, 1, 30)


@pytest.mark.parametrize(
    "text", ["31/02/1990", "30/01/2999", "hôm qua", "3342", "30/1/85 hay 31/1/85"]
)
def test_no_single_real_birth_date(text: str) -> None:
    assert parse_birth_date(text, today=TODAY) is None


def test_spans_index_the_text_as_typed() -> None:
    text = "Tôi sinh ngày 30 tháng 1 năm 1985"
    [found] = find_dates(text, today=TODAY)
    assert text[found.start : found.end] == "30 tháng 1 năm 1985"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1985-01-30", date(1985, 1, 30)),
        (" 1985-1-30 ", date(1985, 1, 30)),
        ("30/01/1985", date(1985, 1, 30)),
        ("30-1-1985", date(1985, 1, 30)),
        ("30.01.1985", date(1985, 1, 30)),
        ("2999-01-01", date(2999, 1, 1)),  # a field is read, not judged: the caller compares
        ("30/01/85", None),  # a program sends four-digit years
        ("30 tháng 1 năm 1985", None),
        ("Jan 30 1985", None),
        ("1985/01/30", None),
        ("31/02/1990", None),
        ("", None),
    ],
)
def test_a_date_field_is_read_exactly(raw: str, expected: date | None) -> None:
    assert parse_date_field(raw) == expected
