"""Invisible characters are taken out of customers' messages (bot.i18n.inbound), and emoji that
need a zero-width joiner or a variation selector stay whole."""

from __future__ import annotations

import pytest

from bot.i18n.inbound import InvalidMessage, validate_text

INVISIBLE = [
    "\u2060",  # word joiner
    "\u2062",  # invisible times
    "\u2063",  # invisible separator
    "\u2064",  # invisible plus
    "\u180e",  # Mongolian vowel separator
    "\ufff9",  # interlinear annotation anchor
    "\ufffa",
    "\ufffb",
    "\U000e0001",  # language tag
    "\U000e0041",  # tag latin capital A ("ASCII smuggling")
    "\U000e007f",  # cancel tag
    "\u3164",  # Hangul filler
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\uffa0",  # halfwidth Hangul filler
    "\u034f",  # combining grapheme joiner
    "\u00ad",  # soft hyphen
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner, outside an emoji sequence
    "\u206a",  # inhibit symmetric swapping
    "\ufeff",  # byte order mark
    "\u2028",  # line separator
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_removed(char: str) -> None:
    assert validate_text(f"khóa{char} thẻ{char}{char} giúp em", 100) == "khóa thẻ giúp em"


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_message_of_only_invisible_characters_is_empty(char: str) -> None:
    with pytest.raises(InvalidMessage) as err:
        validate_text(char * 3 + " ", 100)
    assert err.value.code == "empty"


def test_all_of_them_together_are_empty() -> None:
    with pytest.raises(InvalidMessage) as err:
        validate_text("".join(INVISIBLE), 100)
    assert err.value.code == "empty"


@pytest.mark.parametrize(
    "emoji",
    [
        "👨\u200d👩\u200d👧",  # family: man, woman, girl
        "🏳\ufe0f\u200d🌈",  # rainbow flag: the joiner follows a variation selector
        "🧑🏽\u200d💻",  # technologist with a skin tone
        "❤\ufe0f\u200d🔥",  # heart on fire
        "1\ufe0f\u20e3",  # keycap one
        "👍🏽",
        "☎\ufe0f",
    ],
)
def test_emoji_sequences_are_kept_whole(emoji: str) -> None:
    assert validate_text(f"cảm ơn {emoji} nhé", 100) == f"cảm ơn {emoji} nhé"


def test_joiner_and_selector_outside_emoji_are_removed() -> None:
    assert validate_text("th\u200dẻ \ufe0fđen 👍\u200d", 100) == "thẻ đen 👍"


def test_a_mark_split_from_its_letter_by_an_invisible_character_rejoins() -> None:
    assert validate_text("the\u2060\u0302", 100) == "thê"
