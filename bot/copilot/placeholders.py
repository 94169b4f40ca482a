"""``{{variable}}`` placeholders of canned replies: how they are written, and the check that
no agent message leaves with one still in it (never sent empty, never sent raw)."""

from __future__ import annotations

import re

# {{name}} with optional spaces inside the braces; names are dotted lower-case words.
VARIABLE = re.compile(r"\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*\}\}")
# Anything still looking like a placeholder, known or not: a misspelt variable must not
# reach the customer either.
PLACEHOLDER = re.compile(r"\{\{[^{}]{0,80}\}\}")


def unfilled(text: str) -> list[str]:
    """Placeholders left in a text an agent is about to send."""
    return PLACEHOLDER.findall(text)


def unfilled_detail(left: list[str]) -> str:
    """The refusal the agent reads, in both languages (the panel shows it as is)."""
    names = ", ".join(dict.fromkeys(left))
    return (
        f"Tin nhắn còn biến chưa điền: {names}. Hãy điền giá trị trước khi gửi. / "
        f"The message still has unfilled variables: {names}. Fill them in before sending."
    )
