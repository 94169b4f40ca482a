"""Checks and clean-up applied to every inbound message before it is stored."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline; they break terminals and JSON consumers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


class InvalidMessage(ValueError):
    """Raised for input a channel must reject with a clear 4xx."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


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
    text = clean_text(raw)
    if not text:
        raise InvalidMessage("empty", "The message is empty.")
    if len(text) > max_chars:
        raise InvalidMessage(
            "too_long", f"The message is too long ({len(text)} characters; max {max_chars})."
        )
    return text
