"""The history of every published entry and the knowledge audit trail.

The knowledge service tells its listeners about every change it makes live, whichever way
it came (a reviewed draft, a rollback, an expiry, a file edit or the CLI seen by the
watcher). ``Recorder.listen`` runs in the service's worker thread and only queues the
change; ``flush`` writes the queued changes as revisions and audit rows on the event loop.
"""

from __future__ import annotations

import asyncio
import difflib
import queue
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import Database
from bot.store.knowledge_models import KnowledgeAudit, KnowledgeRevision
from bot.store.times import utc_now

# Fields that change on every save and would only add noise to a diff.
NOISE = ("updated_at",)


def _text(entry: dict[str, Any] | None) -> list[str]:
    if not entry:
        return []
    shown = {k: v for k, v in entry.items() if k not in NOISE}
    dumped = yaml.safe_dump(shown, allow_unicode=True, sort_keys=False, width=100)
    return [line + "\n" for line in str(dumped).splitlines()]


def entry_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """A unified diff of the entry as YAML (what a reviewer reads in git, too)."""
    return "".join(
        difflib.unified_diff(_text(before), _text(after), "before", "after", n=2)
    ).rstrip("\n")


async def audit(
    session: AsyncSession,
    action: str,
    actor: str | None,
    entry_id: str | None = None,
    draft_id: int | None = None,
    **data: Any,
) -> None:
    session.add(
        KnowledgeAudit(action=action, actor=actor, entry_id=entry_id, draft_id=draft_id, data=data)
    )


class Recorder:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: queue.SimpleQueue[tuple[list[dict[str, Any]], dict[str, Any], datetime]] = (
            queue.SimpleQueue()
        )
        self._lock = asyncio.Lock()

    def listen(self, changes: list[dict[str, Any]], meta: dict[str, Any]) -> None:
        """The knowledge service's change listener (any thread)."""
        self._pending.put((changes, dict(meta), utc_now()))

    async def flush(self) -> int:
        """Write every queued change; returns how many entry changes were written."""
        async with self._lock:
            batch = []
            while not self._pending.empty():
                batch.append(self._pending.get_nowait())
            if not batch:
                return 0
            n = 0
            async with self.db.session() as session:
                for changes, meta, at in batch:
                    kind = str(meta.get("kind") or "publish")
                    actor = meta.get("actor") or ("files" if kind == "reload" else None)
                    for change in changes:
                        session.add(
                            KnowledgeRevision(
                                entry_id=change["entry_id"],
                                before=change["before"],
                                after=change["after"],
                                kind=kind,
                                actor=actor,
                                draft_id=meta.get("draft_id"),
                                version=meta.get("version"),
                                created_at=at,
                            )
                        )
                        n += 1
                    await audit(
                        session,
                        kind,
                        actor,
                        changes[0]["entry_id"] if len(changes) == 1 else None,
                        meta.get("draft_id"),
                        entries=[c["entry_id"] for c in changes][:200],
                        version=meta.get("version"),
                        to_version=meta.get("to_version"),
                    )
                await session.commit()
            return n
