"""Usage per entry: suggestion events, the bot's answers and CSAT, counted from real rows in
a migrated SQLite database; and the stale list (unused, or past the review date)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.kb.schemas import UsageOut
from bot.kb.usage import Use, load_uses, summarize
from bot.store.db import Database
from bot.store.knowledge_models import KnowledgeAnswer
from bot.store.migrate import upgrade
from bot.store.models import Conversation, SuggestionEvent

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
ENTRIES = [
    {"id": "cards-activation", "updated_at": "2026-01-01T00:00:00+00:00"},
    {"id": "fees-annual-fee", "updated_at": "2026-01-01T00:00:00+00:00"},
    {"id": "rewards-new", "updated_at": "2026-11-20T00:00:00+00:00"},
    {"id": "travel-notice", "updated_at": "2026-11-20T00:00:00+00:00", "review_at": "2026-11-01"},
]


def test_counts_csat_and_stale_entries_from_stored_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'usage.db'}"
    upgrade(url)

    async def scenario() -> dict:
        db = Database(url)
        async with db.session() as session:
            convs = [
                Conversation(channel="web", channel_key=f"v{i}", csat=score)
                for i, score in enumerate((5, 3, None, 1))
            ]
            session.add_all(convs)
            await session.flush()
            a, b, c, d = (conv.id for conv in convs)
            recent = NOW - timedelta(days=2)
            rows = [
                (a, "cards-activation", "shown"),
                (a, "cards-activation", "inserted"),
                (a, "cards-activation", "sent"),
                (b, "cards-activation", "shown"),
                # The assist pushing suggestions to the panel: not a use, and not counted.
                (b, "cards-activation", "pushed"),
                (b, "cards-activation", "sent_edited"),
                (c, "cards-activation", "dismissed"),
                # Only shown: it never counts as used, and its conversation's CSAT stays out.
                (d, "fees-annual-fee", "shown"),
            ]
            session.add_all(
                SuggestionEvent(
                    conversation_id=conv, entry_id=entry, event=event, created_at=recent
                )
                for conv, entry, event in rows
            )
            session.add_all(
                [
                    KnowledgeAnswer(
                        entry_id="cards-activation", conversation_id=c, created_at=recent
                    ),
                    KnowledgeAnswer(entry_id="travel-notice", conversation_id=d, created_at=recent),
                    KnowledgeAnswer(
                        entry_id="travel-notice", conversation_id=None, created_at=recent
                    ),
                    # Outside the report's window.
                    KnowledgeAnswer(
                        entry_id="fees-annual-fee",
                        conversation_id=a,
                        created_at=NOW - timedelta(days=200),
                    ),
                ]
            )
            await session.commit()
            uses, csat = await load_uses(session, NOW - timedelta(days=90))
        await db.dispose()
        return summarize(ENTRIES, uses, csat, NOW, stale_days=90)

    report = asyncio.run(scenario())
    rows = {r["entry_id"]: r for r in report["entries"]}
    activation = rows["cards-activation"]
    assert {
        k: activation[k] for k in ("shown", "inserted", "sent", "sent_edited", "dismissed")
    } == {
        "shown": 2,
        "inserted": 1,
        "sent": 1,
        "sent_edited": 1,
        "dismissed": 1,
    }
    assert activation["bot_answers"] == 1
    # Conversations a (5) and b (3) used it; c has no CSAT; the dismissal is not a use.
    assert activation["csat"] == 4.0 and activation["csat_responses"] == 2
    assert rows["travel-notice"]["bot_answers"] == 2 and rows["travel-notice"]["csat"] == 1.0
    assert rows["fees-annual-fee"]["bot_answers"] == 0 and rows["fees-annual-fee"]["csat"] is None
    stale = {s["entry_id"]: s["reasons"] for s in report["stale"]}
    # Old and only ever shown: unused. New and unused: still in its grace period.
    assert stale == {"fees-annual-fee": ["unused"], "travel-notice": ["review_due"]}
    # The route's declared answer names every key the report writes (none dropped).
    assert UsageOut.model_validate(report).model_dump() == report


def test_deleted_entries_are_ignored_and_new_entries_listed_with_zero() -> None:
    uses = [Use("gone-entry", "sent", 1, NOW), Use("rewards-new", "bot", None, NOW)]
    report = summarize(ENTRIES, uses, {}, NOW)
    rows = {r["entry_id"]: r for r in report["entries"]}
    assert set(rows) == {e["id"] for e in ENTRIES}
    assert rows["rewards-new"]["bot_answers"] == 1
    assert rows["rewards-new"]["last_used_at"] == NOW.isoformat()
    assert rows["cards-activation"]["shown"] == 0
