"""Usage per entry: how often it was shown, inserted, sent, sent after editing and dismissed
as an agent suggestion, how often the bot answered with it, and the mean CSAT of the
conversations that used it; and the stale entries (unused for ``stale_days`` or past their
review date).

``summarize`` is the pure part (tested directly); ``usage_report`` reads the rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.knowledge_models import KnowledgeAnswer
from bot.store.models import Conversation, SuggestionEvent
from bot.store.times import iso

EVENTS = ("shown", "inserted", "sent", "sent_edited", "dismissed")
# An entry is "used" when its text reached a customer or an agent chose it.
USED = ("inserted", "sent", "sent_edited", "bot")


@dataclass
class Use:
    entry_id: str
    kind: str  # one of EVENTS, or "bot" for an answer the bot gave
    conversation_id: int | None
    at: datetime


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def summarize(
    entries: list[dict[str, Any]],
    uses: Iterable[Use],
    csat: dict[int, int],
    now: datetime,
    stale_days: int = 90,
) -> dict[str, Any]:
    """Counts per entry (entries with no use included) and the stale list."""
    rows: dict[str, dict[str, Any]] = {
        e["id"]: {
            "entry_id": e["id"],
            **{k: 0 for k in EVENTS},
            "bot_answers": 0,
            "last_used_at": None,
            "_convs": set(),
        }
        for e in entries
    }
    for use in uses:
        row = rows.get(use.entry_id)
        if row is None:
            continue  # an entry that has since been deleted
        row["bot_answers" if use.kind == "bot" else use.kind] += 1
        if use.kind in USED:
            at = _aware(use.at)
            if row["last_used_at"] is None or at > row["last_used_at"]:
                row["last_used_at"] = at
            if use.conversation_id is not None:
                row["_convs"].add(use.conversation_id)
    cutoff = now - timedelta(days=stale_days)
    today = now.date()
    stale = []
    for entry in entries:
        row = rows[entry["id"]]
        scores = [csat[c] for c in row.pop("_convs") if c in csat]
        row["csat"] = round(statistics.fmean(scores), 2) if scores else None
        row["csat_responses"] = len(scores)
        reasons = []
        # A new entry gets the same grace period before it counts as unused.
        since = row["last_used_at"] or _aware(datetime.fromisoformat(entry["updated_at"]))
        if since < cutoff:
            reasons.append("unused")
        review = entry.get("review_at")
        if review and date.fromisoformat(review) < today:
            reasons.append("review_due")
        row["stale"] = reasons
        row["last_used_at"] = iso(row["last_used_at"])
        if reasons:
            stale.append({"entry_id": entry["id"], "reasons": reasons, "review_at": review})
    return {
        "entries": sorted(rows.values(), key=lambda r: r["entry_id"]),
        "stale": stale,
        "stale_days": stale_days,
    }


async def load_uses(session: AsyncSession, since: datetime) -> tuple[list[Use], dict[int, int]]:
    """Suggestion events and bot answers since a time (the report's window: an entry last
    used before it counts as unused anyway), and the CSAT of the conversations involved."""
    uses = [
        Use(entry_id, kind, conv_id, at)
        for entry_id, kind, conv_id, at in (
            await session.execute(
                select(
                    SuggestionEvent.entry_id,
                    SuggestionEvent.event,
                    SuggestionEvent.conversation_id,
                    SuggestionEvent.created_at,
                ).where(
                    SuggestionEvent.created_at >= since,
                    # Only what an agent saw or did: "pushed" (the assist sending suggestions
                    # to the panel) is not a use, and counting it had no column to go to.
                    SuggestionEvent.event.in_(EVENTS),
                )
            )
        ).all()
    ]
    uses += [
        Use(entry_id, "bot", conv_id, at)
        for entry_id, conv_id, at in (
            await session.execute(
                select(
                    KnowledgeAnswer.entry_id,
                    KnowledgeAnswer.conversation_id,
                    KnowledgeAnswer.created_at,
                ).where(KnowledgeAnswer.created_at >= since)
            )
        ).all()
    ]
    conv_ids = {u.conversation_id for u in uses if u.conversation_id is not None}
    csat: dict[int, int] = {}
    ids = sorted(conv_ids)
    for start in range(0, len(ids), 500):
        for conv_id, score in (
            await session.execute(
                select(Conversation.id, Conversation.csat).where(
                    Conversation.id.in_(ids[start : start + 500]), Conversation.csat.is_not(None)
                )
            )
        ).all():
            if score is not None:
                csat[conv_id] = int(score)
    return uses, csat
