"""How a customer's words answer a survey: a pressed button (``/csat N``, ``/nps N``), a
typed score ("9", "9 điểm", "rất hài lòng"), and which question is open on a resolved
conversation. Pure reading, no sending: intake asks it where a message belongs, and
``bot.reporting.surveys`` (which asks the questions) takes the answers.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reporting.models import ReportingConversation as RC
from bot.store import states
from bot.store.models import Conversation
from bot.store.times import utc_now
from chattext.fold import fold_lower

SCALES = {"csat": (1, 5), "nps": (0, 10)}
# The questions' buttons: each presses "/<kind> <score>", read back by ``button_answer``.
CSAT_BUTTONS = [{"title": f"{n} ★", "payload": f"/csat {n}"} for n in range(5, 0, -1)]
NPS_BUTTONS = [{"title": str(n), "payload": f"/nps {n}"} for n in range(11)]
# A score typed instead of pressed: a number alone, with an optional unit ("9", "9 điểm",
# "9/10", "5 sao"); words only for CSAT, whose five steps have names people type.
_TYPED_NUMBER = re.compile(r"^(\d{1,2})\s*(?:/\s*(?:5|10)|diem|sao|\*|★|stars?|points?)?[\s.!]*$")
_CSAT_WORDS = {
    "rat hai long": 5,
    "hai long": 4,
    "binh thuong": 3,
    "khong hai long": 2,
    "rat khong hai long": 1,
    "very satisfied": 5,
    "satisfied": 4,
    "neutral": 3,
    "dissatisfied": 2,
    "very dissatisfied": 1,
}


def button_answer(body: str) -> tuple[str, int] | None:
    """A pressed survey button: ``/csat N`` or ``/nps N`` (the score still to be checked)."""
    parts = body.strip().split()
    if (
        len(parts) == 2
        and parts[0].startswith("/")
        and parts[0][1:] in SCALES
        and parts[1].isdigit()
    ):
        return parts[0][1:], int(parts[1])
    return None


def read_score(kind: str, body: str) -> int | None:
    """A score typed for the ``kind`` question, or None when the text is not one."""
    folded = fold_lower(body).strip(" .!")
    match = _TYPED_NUMBER.match(folded)
    score = int(match.group(1)) if match else None
    if score is None and kind == "csat":
        score = _CSAT_WORDS.get(folded)
    low, high = SCALES[kind]
    return score if score is not None and low <= score <= high else None


async def open_question(
    session: AsyncSession, conv: Conversation, hold_s: float, now: datetime | None = None
) -> str | None:
    """The survey question the customer's next text answers on this resolved conversation:
    "csat", "nps" or "comment" (after an answer, before the survey is done), or None when
    no question holds the thread (done, skipped, never put, or put over hold_s ago)."""
    if conv.state != states.RESOLVED or conv.resolved_at is None or hold_s <= 0:
        return None
    now = now or utc_now()
    row = await session.get(RC, conv.id)
    state = row.nps_state if row is not None else None
    if state in ("done", "skipped"):
        return None

    def held(since: datetime | None) -> bool:
        at = since or conv.resolved_at
        assert at is not None
        if at.tzinfo is None:  # SQLite gives naive UTC
            at = at.replace(tzinfo=timezone.utc)
        return (now - at).total_seconds() <= hold_s

    if conv.csat is None:
        return "csat" if held(conv.resolved_at) else None
    if state == "asked":
        return "nps" if held(row.nps_asked_at if row else None) else None
    # Answered: the NPS decision (a second at most) or the comment invitation is next.
    if row is None:
        return None
    return "comment" if held(row.nps_at if state else row.csat_at) else None
