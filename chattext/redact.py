"""Personal data taken out of what a customer wrote, for readers who must not see it.

Knowledge managers read customers' failed questions (the gap inbox, its report, drafts
made from it) but may not open the conversations they came from, so account and card
numbers, phone numbers, e-mail addresses, dates and the signed-in customer's name are
replaced with typed placeholders before such text leaves the hub. Amounts of money
("5 triệu", "38.900.000 ₫") and short numbers ("3 ngày") stay: the question is still
worth reading without the customer's data, and useless without its amounts.

Usage::

    redact("Số tài khoản của tôi 0123456789, tôi là Lan", names=["Trần Thị Lan"])
    # -> "Số tài khoản của tôi [số tài khoản], tôi là [tên khách hàng]"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from chattext.language import detect_language

PLACEHOLDERS = {
    "vi": {
        "account": "[số tài khoản]",
        "card": "[số thẻ]",
        "phone": "[số điện thoại]",
        "email": "[email]",
        "dob": "[ngày sinh]",
        "date": "[ngày]",
        "name": "[tên khách hàng]",
    },
    "en": {
        "account": "[account number]",
        "card": "[card number]",
        "phone": "[phone number]",
        "email": "[email]",
        "dob": "[date of birth]",
        "date": "[date]",
        "name": "[customer name]",
    },
}

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 30/01/1985, 30-1-85, 30.01.1985 and 1985-01-30; checked for a real day and month below.
_DATE_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-])")
_DATE_YMD = re.compile(r"(?<![\d/.-])(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?![\d/-])")
_DOB_CUE = re.compile(
    r"(?:ngay sinh|sinh ngay|sinh nam|sinh|dob|birth|born)(?:\s+(?:la|on|is|vao))?\W*$"
)
# A masked card: digits with at least four masking characters, e.g. 4111 **** **** 1234.
_MASKED_CARD = re.compile(r"(?<![\w*•])[\d*xX•]{2,6}(?:[ -]?[\d*xX•]{2,6}){2,5}(?![\w*•])")
# Runs of digits with single spaces, dots or dashes between groups (+84 901 234 567).
_DIGITS = re.compile(r"(?<![\d+])\+?\d(?:[ .-]?\d)*(?![\d])")
_THOUSANDS = re.compile(r"^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$")
_MONEY_AFTER = re.compile(
    r"^\s?(?:₫|đ|đồng|dong|vnd|vnđ|d\b|k\b|tr\b|triệu|trieu|nghìn|nghin|ngàn|ngan|tỷ|ty\b|"
    r"usd|\$|%|lần|lan\b)",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(r"(?:\$|vnd|vnđ|usd|₫)\s?$", re.IGNORECASE)
_ACCOUNT_CUE = re.compile(r"(?:tai khoan|stk|tk|account|acct|a/c)\W*$")
_CARD_CUE = re.compile(r"(?:so the|the|card)\W*$")
# Vietnamese hotlines (1800 xxxx, 1900 xxxx) are public numbers, not anybody's data.
_HOTLINE = re.compile(r"^1[89]00\d{4}$")
# Introductions after which a lower-case given name is still a name ("em la lan").
_INTRO = re.compile(
    r"(?:toi la|toi ten|ten toi|ten la|ten em|em la|minh la|chau la|"
    r"my name is|name is|i am|i'm|this is)\s*$"
)


def _fold_char(ch: str) -> str:
    """One character lower-cased without its marks, so offsets stay the same."""
    if ch in "đĐ":
        return "d"
    base = "".join(
        c for c in unicodedata.normalize("NFD", ch.lower()) if not unicodedata.combining(c)
    )
    return base[:1] if len(base) >= 1 else ch


def _fold(text: str) -> str:
    return "".join(_fold_char(c) for c in text)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _is_date(day: str, month: str) -> bool:
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _number_kind(run: str, before: str, after: str) -> str | None:
    """What a run of digits is: None for an amount or a short number."""
    digits = re.sub(r"\D", "", run)
    if len(digits) < 8:
        return None
    grouped = _THOUSANDS.match(run)
    # 38.900.000 or 38,900,000 is an amount; 50 000 000 is one only with a currency.
    if grouped and grouped.group(1) in ".,":
        return None
    if _MONEY_AFTER.match(after) or _MONEY_BEFORE.search(before):
        return None
    if _HOTLINE.match(digits):
        return None
    folded_before = _fold(before[-20:])
    if _ACCOUNT_CUE.search(folded_before):
        return "account"
    if run.startswith("+") or (digits.startswith("84") and len(digits) == 11):
        return "phone"
    if digits.startswith("0") and (
        (len(digits) == 10 and digits[1] in "35789") or (len(digits) == 11 and digits[1] == "2")
    ):
        return "phone"
    if 16 <= len(digits) <= 19 and (_luhn(digits) or _CARD_CUE.search(folded_before)):
        return "card"
    if re.fullmatch(r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}", run):
        return "card"
    return "account"


def _name_patterns(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Folded full names (and their last two words) and folded given names."""
    full: set[str] = set()
    given: set[str] = set()
    for name in names:
        words = _fold(unicodedata.normalize("NFC", name or "")).split()
        if not words:
            continue
        full.add(" ".join(words))
        if len(words) >= 3:
            full.add(" ".join(words[-2:]))
        if len(words[-1]) >= 2:
            given.add(words[-1])
    return sorted(full, key=len, reverse=True), sorted(given, key=len, reverse=True)


def _redact_names(text: str, names: Iterable[str], label: str) -> str:
    full, given = _name_patterns(names)
    if not full and not given:
        return text
    originals = {
        _fold(w): w for n in names for w in unicodedata.normalize("NFC", n or "").split() if w
    }
    spans: list[tuple[int, int]] = []
    folded = _fold(text)
    for phrase in full:
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, phrase.split())) + r"(?!\w)"
        spans += [(m.start(), m.end()) for m in re.finditer(pattern, folded)]
    for word in given:
        for m in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", folded):
            written = text[m.start() : m.end()]
            original = originals.get(word, word)
            # A given name alone is often also a word ("An", "Anh"): it counts as the name
            # when capitalised, written with the name's own marks, or after "tôi là".
            if (
                written[:1].isupper()
                or (written.lower() == original.lower() and _fold(original) != original.lower())
                or _INTRO.search(folded[max(0, m.start() - 20) : m.start()])
            ):
                spans.append((m.start(), m.end()))
    if not spans:
        return text
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [text[last:start], label]
        last = end
    out.append(text[last:])
    return "".join(out)


def redact(text: str, names: Iterable[str] = (), lang: str | None = None) -> str:
    """``text`` with personal data replaced by placeholders in ``lang`` (detected when not
    given; Vietnamese when unclear). ``names`` are the signed-in customer's full names."""
    if not text:
        return text
    text = unicodedata.normalize("NFC", text)
    words = PLACEHOLDERS["en" if (lang or detect_language(text)) == "en" else "vi"]
    text = _EMAIL.sub(words["email"], text)

    def date(m: re.Match[str], day: int, month: int) -> str:
        if not _is_date(m.group(day), m.group(month)):
            return m.group(0)
        cue = _DOB_CUE.search(_fold(m.string[max(0, m.start() - 20) : m.start()]))
        return words["dob" if cue else "date"]

    text = _DATE_DMY.sub(lambda m: date(m, 1, 3), text)
    text = _DATE_YMD.sub(lambda m: date(m, 4, 3), text)

    def masked(m: re.Match[str]) -> str:
        value = m.group(0)
        masks, digits = sum(c in "*xX•" for c in value), sum(c.isdigit() for c in value)
        # A card is 13-19 characters with some digits left showing; "xxxx" alone is not one.
        if masks < 4 or not 2 <= digits <= 12 or not 13 <= masks + digits <= 19:
            return value
        return words["card"]

    text = _MASKED_CARD.sub(masked, text)

    def number(m: re.Match[str]) -> str:
        kind = _number_kind(m.group(0), m.string[: m.start()], m.string[m.end() :])
        return m.group(0) if kind is None else words[kind]

    text = _DIGITS.sub(number, text)
    return _redact_names(text, list(names), words["name"])
