"""The bot is told a conversation's language only once something told it (bot/i18n/language.py)."""

from __future__ import annotations

from bot.i18n.language import TOLD, bot_language, tells_language


def test_what_tells_the_language() -> None:
    for text in ("xin chào, mình muốn hỏi về thẻ", "I'd like to block my card", "/lang en"):
        assert tells_language(text), text
    # Written by Vietnamese and English customers alike, or no words at all.
    for text in ("hello", "ok", "5560", "30/01/1985", "/affirm", "🙂"):
        assert not tells_language(text), text


def test_the_bot_hears_the_language_only_once_known() -> None:
    assert bot_language({}, "vi") is None
    assert bot_language(None, "vi") is None
    assert bot_language({TOLD: True}, "en") == "en"
