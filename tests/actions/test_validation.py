"""Parsers for form input and the formatting of money and dates (no hub needed)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("rasa_sdk")

from actions.texts import format_date, format_vnd, format_window  # noqa: E402
from actions.validation import (  # noqa: E402
    looks_like_full_card_number,
    parse_card_last4,
    parse_dob,
    parse_phone,
    parse_preferred_time,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4821", "4821"),
        ("số cuối là 4821", "4821"),
        ("4 8 2 1", "4821"),
        ("đuôi 3342", "3342"),
        ("4 số cuối là 3342 nhé", "3342"),
        ("4111 1111 1111 4821", "4821"),
        ("482", None),
        ("48210", None),
        ("14/03/1988", None),
        ("😀😀", None),
        ("", None),
    ],
)
def test_card_last4(text: str, expected: str | None) -> None:
    assert parse_card_last4(text) == expected


def test_full_card_number_is_noticed() -> None:
    assert looks_like_full_card_number("4111-1111-1111-4821")
    assert not looks_like_full_card_number("4821")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/1988", "1988-03-14"),
        ("14-03-1988", "1988-03-14"),
        ("14.03.1988", "1988-03-14"),
        ("1988-03-14", "1988-03-14"),
        ("ngày sinh của tôi là 2/11/1992", "1992-11-02"),
        # Every common way of typing it: two-digit years, words, English month names.
        ("30-1-85", "1985-01-30"),
        ("30/1/85", "1985-01-30"),
        ("30 tháng 1 năm 1985", "1985-01-30"),
        ("ngay 30 thang 01 nam 1985", "1985-01-30"),
        ("Jan 30 1985", "1985-01-30"),
        ("January 30th, 1985", "1985-01-30"),
        ("30 Jan 1985", "1985-01-30"),
        ("30 01 1985", "1985-01-30"),
        ("14/3/05", "2005-03-14"),
        # Two different dates: the customer must say which.
        ("30/1/85 hay 31/1/85", None),
        ("31/02/1990", None),
        ("14/03/2999", None),
        ("hôm qua", None),
    ],
)
def test_dob(text: str, expected: str | None) -> None:
    assert parse_dob(text, today=date(2026, 11, 22)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0901234567", "0901234567"),
        ("090 123 4567", "0901234567"),
        ("+84 901 234 567", "0901234567"),
        ("84901234567", "0901234567"),
        ("(+84) 912-345-678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("số của tôi là 0912.345.678", "0912345678"),
        ("0123", None),
        ("0201234567", None),
        ("abc", None),
    ],
)
def test_phone(text: str, expected: str | None) -> None:
    assert parse_phone(text) == expected


def test_preferred_time_is_a_window_never_the_raw_words() -> None:
    now = datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert parse_preferred_time("  chiều   mai ", now=now) == (
        "2026-11-29T15:00:00+07:00/2026-11-29T16:00:00+07:00"
    )
    assert parse_preferred_time("<b>tomorrow</b> after 3pm", now=now) == (
        "2026-11-29T15:00:00+07:00/2026-11-29T16:00:00+07:00"
    )
    assert parse_preferred_time("🙂🙂", now=now) is None
    assert parse_preferred_time("", now=now) is None
    assert parse_preferred_time("lúc nào cũng được", now=now) is None
    assert parse_preferred_time("x" * 5000, now=now) is None


def test_nfd_input_is_understood() -> None:
    nfd = unicodedata.normalize("NFD", "ngày sinh 14/03/1988, số cuối 4821")
    assert parse_dob(nfd) == "1988-03-14"
    assert parse_card_last4(unicodedata.normalize("NFD", "số cuối 4821")) == "4821"


def test_money_and_dates_follow_the_language() -> None:
    assert format_vnd(12450000, "vi") == "12.450.000 ₫"
    assert format_vnd(12450000, "en") == "VND 12,450,000"
    assert format_date("2026-12-05", "vi") == "05/12/2026"
    assert format_date("2026-12-05", "en") == "5 Dec 2026"
    window = format_window("2026-11-23T08:00:00+00:00", "2026-11-23T10:00:00+00:00", "vi")
    assert window == "trong khoảng 15:00 – 17:00 ngày 23/11/2026"
