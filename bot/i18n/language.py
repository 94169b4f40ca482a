"""The conversation's language: it changes only on clear evidence.

A customer's choice (a language button, "/lang en") always wins. Otherwise a message
switches the conversation only when it reads clearly as the other language: Vietnamese
letters, or at least two real words of English ("my card", never "asdf qwer"). Gibberish,
emoji, numbers, "ok" and pasted markup keep the language the conversation has.
"""

from __future__ import annotations

import re
from typing import Any

from chattext.language import detect_language

LANGUAGES = ("vi", "en")
_MARKUP = re.compile(r"<[^>]*>")
_CHOICE = re.compile(r"^/(?:lang|language)\s*[:= ]\s*(vi|en)\b", re.IGNORECASE)


def chosen_language(text: str) -> str | None:
    """The language the customer picked explicitly ("/lang en"), if any."""
    match = _CHOICE.match(text.strip())
    return match.group(1).lower() if match else None


def next_language(current: str | None, text: str) -> str | None:
    """The conversation's language after this message (None: keep what it has)."""
    choice = chosen_language(text)
    if choice:
        return choice
    if text.startswith("/"):
        return None  # button payloads say nothing about the language
    detected = detect_language(_MARKUP.sub(" ", text))
    if detected is None or detected == current:
        return None
    return detected


# Set in a conversation's context once its language is known: the customer chose it, a
# message told it, or the conversation before it on the thread knew it. Until then the hub
# keeps "vi" for its own texts but does not tell the bot, which greets in both languages.
TOLD = "language_told"


def tells_language(text: str) -> bool:
    """True when a message says which language the customer writes ("/lang en", or text
    that reads clearly as Vietnamese or English), whatever the conversation had."""
    if chosen_language(text):
        return True
    if text.startswith("/"):
        return False
    return detect_language(_MARKUP.sub(" ", text)) is not None


def bot_language(context: dict[str, Any] | None, language: str) -> str | None:
    """The language to tell the bot: the conversation's once known, else None."""
    return language if (context or {}).get(TOLD) else None
