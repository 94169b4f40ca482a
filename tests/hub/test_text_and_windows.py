"""Inbound text clean-up and call-back window parsing."""

import unicodedata
from datetime import datetime, timezone

import pytest

from bot.handoff.callbacks import LOCAL_TZ, normalise_phone, parse_window
from bot.i18n.inbound import InvalidMessage, validate_text


def test_nfd_vietnamese_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Tôi muốn gặp nhân viên")
    assert nfd != "Tôi muốn gặp nhân viên"
    assert validate_text(nfd, 100) == "Tôi muốn gặp nhân viên"


def test_control_characters_are_removed_but_newlines_kept() -> None:
    assert validate_text("a\x00b\x07c\nd\u200b", 100) == "abc\nd"


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01", "\u200b"])
def test_empty_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidMessage) as err:
        validate_text(raw, 100)
    assert err.value.code == "empty"


def test_too_long_is_rejected_with_the_limit() -> None:
    with pytest.raises(InvalidMessage, match="max 100"):
        validate_text("x" * 101, 100)


def test_non_text_is_rejected() -> None:
    with pytest.raises(InvalidMessage):
        validate_text({"a": 1}, 100)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0901234567", "0901234567"),
        ("+84 901 234 567", "0901234567"),
        ("số 090.123.4567 nhé", "0901234567"),
        ("12345", None),
    ],
)
def test_phone_normalisation(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_window_tomorrow_afternoon() -> None:
    now = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hanoi
    start, end = parse_window("chiều mai", now)
    local = start.astimezone(LOCAL_TZ)
    assert (local.day, local.hour) == (23, 15)
    assert (end - start).total_seconds() == 3600


def test_window_unaccented_and_english() -> None:
    now = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
    assert parse_window("9h sang mai", now)[0].astimezone(LOCAL_TZ).hour == 9
    assert parse_window("tomorrow 3pm", now)[0].astimezone(LOCAL_TZ).hour == 15


def test_window_never_in_the_past_or_at_night() -> None:
    now = datetime(2026, 11, 22, 14, 0, tzinfo=timezone.utc)  # 21:00 in Hanoi
    start, _ = parse_window("ngay bay gio", now)
    local = start.astimezone(LOCAL_TZ)
    assert start > now and 8 <= local.hour < 20


@pytest.mark.parametrize(
    "control",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
    + ["\u200e", "\u200f", "\u061c"],
)
def test_bidirectional_controls_are_removed(control: str) -> None:
    # A right-to-left override would make the panel show the text reversed.
    assert validate_text(f"Hoàn {control}0005{control} đồng", 100) == "Hoàn 0005 đồng"


@pytest.mark.parametrize("surrogate", ["\ud800", "\udfff", "a\udc00b"])
def test_lone_surrogates_are_refused(surrogate: str) -> None:
    with pytest.raises(InvalidMessage) as err:
        validate_text(surrogate, 100)
    assert err.value.code == "not_text"


def test_agent_window_may_mix_zoned_and_local_times() -> None:
    from datetime import timedelta

    from bot.handoff.callbacks import checked_window

    start_local = datetime.now(LOCAL_TZ).replace(tzinfo=None, microsecond=0) + timedelta(days=1)
    end_utc = (start_local.replace(tzinfo=LOCAL_TZ) + timedelta(hours=1)).astimezone(timezone.utc)
    window = checked_window(start_local, end_utc)
    assert window is not None
    assert window[0] == start_local.replace(tzinfo=LOCAL_TZ)
    assert window[1] == end_utc and window[0].tzinfo is not None
    assert checked_window(end_utc, start_local) is None  # ends before it starts
    assert checked_window(datetime(9999, 12, 31, 23), datetime(9999, 12, 31, 23, 30)) is None


@pytest.mark.parametrize(
    ("said", "local"),
    [
        ("3 giờ chiều mai", (23, 15, 0)),
        ("tomorrow at 3pm", (23, 15, 0)),
        ("sáng thứ 7", (28, 9, 0)),
        ("in 2 hours", (22, 12, 0)),
        ("10h30 sáng mai", (23, 10, 30)),
    ],
)
def test_window_from_natural_language(said: str, local: tuple[int, int, int]) -> None:
    now = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)  # Sunday 10:00 in Hanoi
    start, end = parse_window(said, now)
    shown = start.astimezone(LOCAL_TZ)
    assert (shown.day, shown.hour, shown.minute) == local
    assert (end - start).total_seconds() == 3600


def test_window_text_is_on_the_bank_clock_like_the_reminder() -> None:
    from bot.handoff.callbacks import window_text
    from bot.store.models import Callback

    # 06:00 UTC is 13:00 in Hanoi: the ledger shows the same hour as the reminder.
    cb = Callback(
        window_start=datetime(2026, 11, 23, 6, 0),  # naive, as SQLite returns it (UTC)
        window_end=datetime(2026, 11, 23, 7, 0),
    )
    assert window_text(cb, "vi").startswith("13:00–14:00")
    assert window_text(cb, "en").startswith("13:00–14:00")
