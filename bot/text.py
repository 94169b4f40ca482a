"""Checks and clean-up applied to every inbound message before it is stored."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline; they break terminals and JSON consumers.
# Also zero-width and bidirectional controls (marks U+200E/F and U+061C, embeddings and
# overrides U+202A-202E, isolates U+2066-2069): a right-to-left override would make the
# panel show a customer's text reversed, so an agent reads something the customer never sent.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)
# Half of a UTF-16 surrogate pair on its own ("\ud800" in JSON) is not a character: no
# database or UTF-8 encoder accepts it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class InvalidMessage(ValueError):
    """Raised for input a channel must reject with a clear 4xx."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def clean_text(text: str) -> str:
    """NFC-normalise (NFD Vietnamese becomes NFC), drop control characters, trim."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


def validate_text(raw: object, max_chars: int) -> str:
    if not isinstance(raw, str):
        raise InvalidMessage("not_text", "The message must be a text string.")
    if len(raw) > max_chars * 4:
        # Reject before normalising: no point spending CPU on a 10 MB body.
        raise InvalidMessage("too_long", f"The message is too long (max {max_chars} characters).")
    if has_lone_surrogate(raw):
        raise InvalidMessage(
            "not_text", "The message contains an invalid character (a lone surrogate)."
        )
    text = clean_text(raw)
    if not text:
        raise InvalidMessage("empty", "The message is empty.")
    if len(text) > max_chars:
        raise InvalidMessage(
            "too_long", f"The message is too long ({len(text)} characters; max {max_chars})."
        )
    return text
