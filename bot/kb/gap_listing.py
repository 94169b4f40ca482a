"""The gap inbox as knowledge managers read it: open (or closed) clusters by priority, each
with its redacted phrasings, counts by source and languages, and never a conversation's id."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from bot.kb.privacy import customer_names, redact_many
from bot.store.db import Database
from bot.store.knowledge_models import GapCluster, GapItem
from bot.store.times import iso, utc_now
from knowledge.clustering import priority
from knowledge.text import detect_language

MAX_PHRASINGS = 12  # questions a cluster turns into, and shows


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


async def list_clusters(
    db: Database, status: str = "open", limit: int = 100
) -> list[dict[str, Any]]:
    now = utc_now()
    async with db.session() as session:
        rows = (
            await session.scalars(select(GapCluster).where(GapCluster.status == status).limit(2000))
        ).all()
        items = (
            await session.scalars(
                select(GapItem)
                .where(GapItem.cluster_id.in_([r.id for r in rows]))
                .order_by(GapItem.id.desc())
            )
        ).all()
        names = await customer_names(session, (i.conversation_id for i in items))
    by_cluster: dict[int, list[GapItem]] = {}
    for item in items:
        by_cluster.setdefault(item.cluster_id or 0, []).append(item)
    out: list[dict[str, Any]] = []
    for row in rows:
        members = by_cluster.get(row.id, [])
        if not members:
            continue
        sources: dict[str, int] = {}
        for m in members:
            sources[m.source] = sources.get(m.source, 0) + 1
        out.append(
            {
                "id": row.id,
                "status": row.status,
                "label": row.label,
                "count": len(members),
                "sources": sources,
                "phrasings": [],
                "languages": sorted({m.lang or detect_language(m.text) for m in members}),
                "first_seen_at": iso(min(_utc(m.created_at) for m in members)),
                "last_seen_at": iso(max(_utc(m.created_at) for m in members)),
                "priority": round(priority([_utc(m.created_at) for m in members], now), 3),
                "draft_id": row.draft_id,
                "entry_id": row.entry_id,
            }
        )
    out.sort(key=lambda c: (-c["priority"], -c["count"]))
    out = out[:limit]
    # Knowledge managers read these: redacted (only the clusters shown), and without
    # the conversations' ids.
    batch: list[tuple[str, list[str], str | None]] = []
    counts: list[int] = []
    for cluster in out:
        members = by_cluster[cluster["id"]]
        everyone = sorted({n for m in members for n in names.get(m.conversation_id or 0, [])})
        batch.append((cluster["label"], everyone, None))
        # Twice the shown number: two phrasings may become one once redacted.
        distinct: dict[str, GapItem] = {}
        for m in members:  # newest first, as the inbox lists them
            distinct.setdefault(m.text, m)
        firsts = list(distinct.values())[: MAX_PHRASINGS * 2]
        counts.append(len(firsts))
        batch += [(m.text, names.get(m.conversation_id or 0, []), m.lang) for m in firsts]
    redacted = iter(await redact_many(batch))
    for cluster, count in zip(out, counts, strict=True):
        cluster["label"] = next(redacted)
        texts = [next(redacted) for _ in range(count)]
        cluster["phrasings"] = list(dict.fromkeys(texts))[:MAX_PHRASINGS]
    return out
