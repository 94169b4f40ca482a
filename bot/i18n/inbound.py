"""Checks and clean-up applied to every inbound message before it is stored."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline, and the Unicode line and paragraph
# separators; they break terminals and JSON consumers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Invisible characters: every format character (Unicode category Cf: zero-width spaces and
# joiners, word joiners U+2060-2064, bidirectional marks, embeddings, overrides and
# isolates, U+180E, U+FFF9-FFFB, tag characters U+E0000-E007F, the BOM) and the fillers that
# are letters or marks but show nothing. A right-to-left override would make the panel show
# a customer's text reversed, and invisible characters hide words from the urgency rules
# and knowledge search while the agent sees them whole.
_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0")
_ZWJ = "\u200d"
_KEYCAP = "\u20e3"
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


def _pictographic(ch: str) -> bool:
    """An emoji or pictograph: the symbols blocks, skin tones and regional indicators."""
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def _variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def _drop_invisible(text: str) -> str:
    """Remove invisible characters, keeping what emoji need: U+200D between two emoji
    (👨‍👩‍👧, 🏳️‍🌈) and variation selectors after an emoji or a keycap's digit."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == _ZWJ:
            # The previous emoji, past its selector or skin tone, and the next one.
            before = next((c for c in reversed(out) if not _variation_selector(c)), "")
            after = text[i + 1 : i + 2]
            if before and after and _pictographic(before) and _pictographic(after):
                out.append(ch)
            continue
        if _variation_selector(ch):
            before = out[-1] if out else ""
            keycap = before in "#*0123456789" and text[i + 1 : i + 2] == _KEYCAP
            if before and (_pictographic(before) or keycap):
                out.append(ch)
            continue
        if ch in _FILLERS or unicodedata.category(ch) == "Cf":
            continue
        out.append(ch)
    return "".join(out)


def clean_text(text: str) -> str:
    """NFC-normalise (NFD Vietnamese becomes NFC), drop control and invisible characters,
    trim."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Normalised after the removal: a mark split from its letter by one is joined again.
    return unicodedata.normalize("NFC", _drop_invisible(text)).strip()


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
