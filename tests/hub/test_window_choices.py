"""Call-back windows read from what customers type: a time still to come today is today at
any hour of the bank's day, "rưỡi" is half past, and a choice between two times is not
turned into one of them (the form asks which)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chattext.when import offers_a_choice, parse_window_text

# 10:00 in Ho Chi Minh City, a Monday: a bare "3pm" is this afternoon.
MORNING = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
# 17:00 there: "3pm" has passed and means tomorrow.
EVENING = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)


def local(said: str, now: datetime) -> str | None:
    window = parse_window_text(said, now=now)
    return window.start.strftime("%d %H:%M") if window else None


@pytest.mark.parametrize(
    ("said", "at_ten", "at_five_pm"),
    [
        ("3pm", "07 15:00", "08 15:00"),
        ("15h", "07 15:00", "08 15:00"),
        ("3h chiều", "07 15:00", "08 15:00"),
        ("4 gio chieu", "07 16:00", "08 16:00"),
        ("7h tối", "07 19:00", "07 19:00"),
        ("9pm", "07 21:00", "07 21:00"),
        ("8h sáng", "08 08:00", "08 08:00"),
        ("7 giờ tối mai", "08 19:00", "08 19:00"),
        ("tomorrow around 4pm", "08 16:00", "08 16:00"),
    ],
)
def test_a_time_still_to_come_today_is_today(said: str, at_ten: str, at_five_pm: str) -> None:
    assert local(said, MORNING) == at_ten
    assert local(said, EVENING) == at_five_pm


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("9 giờ rưỡi sáng thứ 7", "12 09:30"),
        ("9h ruoi sang mai", "08 09:30"),
        ("2 rưỡi chiều mai", "08 14:30"),
        ("8h30 sáng mai", "08 08:30"),
        # The "h" of "hoặc" is no hour mark: "t7" is Saturday, not 7 o'clock.
        ("t7 hoac 8h sang cn", None),
        ("t7 nhé", "12 09:00"),
    ],
)
def test_half_past_and_hour_marks(said: str, expected: str | None) -> None:
    assert local(said, MORNING) == expected


@pytest.mark.parametrize(
    "said",
    [
        "later today or tomorrow",
        "thứ 2 hoặc thứ 3 đều được",
        "chiều nay hay sáng mai",
        "mai hay ngày kia",
        "3pm or 4pm",
        "tomorrow or friday at 3pm",
        "chủ nhật hay thứ 7",
    ],
)
def test_a_choice_between_two_times_is_not_one_of_them(said: str) -> None:
    assert offers_a_choice(said)
    assert parse_window_text(said, now=MORNING) is None


@pytest.mark.parametrize(
    "said",
    [
        "gọi tôi hay nhắn tin lúc 3h chiều mai",  # "or" between two ways, one time
        "hôm nay bận, mai gọi nhé",  # two days, no alternative
        "3 giờ chiều mai",
    ],
)
def test_one_time_is_read_even_beside_or(said: str) -> None:
    assert not offers_a_choice(said)
    assert parse_window_text(said, now=MORNING) is not None
