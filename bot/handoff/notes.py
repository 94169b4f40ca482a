"""Notes the hub itself writes into a conversation's hand-off packet, for the staff.

A note is stored as a code with its parameters (``{"code": "ack_timeout", "agent": "linh",
"seconds": 60}``), never as finished text: one packet is read by several people, each in
their own panel language (an agent in Vietnamese, a supervisor in English), and the
conversation's language is the customer's, not theirs. The panel words each code from its
label table (``bot/panel/static/labels.js``, ``note_<code>``); ``NOTES`` here is the same
wording for texts the hub writes itself, such as the conversation's event log.
Notes people type (a transfer note) stay as they wrote them.
"""

from __future__ import annotations

from typing import Any

NOTES: dict[str, dict[str, str]] = {
    "ack_timeout": {
        "vi": "{agent} không xác nhận trong {seconds} giây; đã đưa lại vào hàng chờ.",
        "en": "Not acknowledged by {agent} within {seconds} s; requeued.",
    },
    "declined": {
        "vi": "{agent} đã từ chối; đã đưa lại vào hàng chờ.",
        "en": "Declined by {agent}; requeued.",
    },
    "away_return": {
        "vi": "{agent} vắng mặt; cuộc trò chuyện trở lại hàng chờ ở vị trí cũ.",
        "en": "{agent} went away; back in the queue at its original place.",
    },
}


def note(code: str, **params: Any) -> dict[str, Any]:
    """A note to store: its code and parameters (the code must be in ``NOTES``)."""
    if code not in NOTES:
        raise KeyError(f"unknown note code {code!r}")
    return {"code": code, **params}


def note_text(value: dict[str, Any] | str, language: str = "en") -> str:
    """A stored note as text in one language; free text (a person's note) as it is."""
    if not isinstance(value, dict):
        return str(value)
    texts = NOTES.get(str(value.get("code")))
    if texts is None:
        return str(value.get("code") or "")
    params = {k: v for k, v in value.items() if k != "code"}
    return texts.get(language, texts["en"]).format(**params)
