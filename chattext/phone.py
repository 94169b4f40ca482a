"""Vietnamese mobile numbers as customers type them, in the national form '0' + 9 digits.

The one owner of phone parsing: the hub (call-backs, identity look-ups), the Rasa actions
(the identity form) and the NLU entity extractor all read phones through this module.
"""

from __future__ import annotations

import re
import unicodedata

# A mobile number in national form: 03x, 05x, 07x, 08x, 09x and 8 more digits. Numbers of
# 10 digits with any other prefix do not exist (landlines have 11 digits).
VN_MOBILE = re.compile(r"0[35789]\d{8}")

# A phone inside a message: 0, 84, +84 or 0084, then 9 digits with any spaces, dots,
# dashes or brackets between them ("090 123 4567", "(+84) 912-345-678"). A run glued to
# other digits ("1234 0901 2345 67", a card number) is not a phone.
PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])(?<!\d[ .-])(?:\+?84|0084|0)((?:[\s.()-]*\d){9})(?![ .-]?\d)"
)

# The NLU entity extractor's pattern, kept exactly as the shipped model was trained with
# it: single separators only, and 84 needs its plus. Its spans feed the dialogue, so
# changing it would change what the trained assistant sees.
PHONE_ENTITY = re.compile(r"(?<![\d+])(\+84|0084|0)[ .-]?((?:\d[ .-]?){8}\d)(?!\d)")


def national_form(subscriber: str) -> str | None:
    """The 9 subscriber digits (separators allowed) -> '0' + 9 digits, else None."""
    digits = re.sub(r"\D", "", subscriber)
    return "0" + digits if len(digits) == 9 else None


def normalise_vn_phone(text: object) -> str | None:
    """'090 123 4567', '+84 901 234 567', '84901234567' -> '0901234567' when the first
    phone in the text is a Vietnamese mobile number; None otherwise."""
    clean = unicodedata.normalize("NFC", str(text or ""))
    match = PHONE_IN_TEXT.search(clean)
    if not match:
        return None
    local = national_form(match.group(1))
    return local if local and VN_MOBILE.fullmatch(local) else None
