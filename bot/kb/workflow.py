"""Draft -> review -> publish, scheduled publication and expiry, and rollbacks.

A knowledge manager writes a draft (a new entry, an edit or a deletion) and submits it; a
second knowledge manager or a supervisor approves it, and it goes live at once or at its
``publish_at`` time. With ``TANDEM_KNOWLEDGE_SELF_PUBLISH`` a small team publishes its own
drafts. Publishing goes through the knowledge service, which re-indexes the entry and tells
the history recorder, so suggestions and the bot's answers change within about a second.

No database session is held while the service embeds and saves (that takes a while): the
draft is read and checked in one session, published, then marked in another.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from bot.kb.errors import Invalid, NotAllowed, NotFound, Unavailable, WrongState
from bot.kb.history import Recorder, audit
from bot.store.db import Database
from bot.store.knowledge_models import KnowledgeDraft, KnowledgeRevision
from bot.store.models import User
from bot.store.times import iso, utc_now
from knowledge.corpus import (
    CorpusError,
    EntryLimits,
    missing_languages,
    size_problem,
    validate_entry,
)

log = logging.getLogger(__name__)

EDITABLE = ("draft", "in_review", "rejected")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def problems(draft: KnowledgeDraft) -> str | None:
    """Why the draft cannot be published yet (None when it can)."""
    if draft.action == "delete":
        return None
    try:
        validate_entry({**draft.content, "id": draft.entry_id}, "draft")
    except CorpusError as err:
        return str(err).split(": ", 1)[-1]
    return None


def draft_json(draft: KnowledgeDraft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "entry_id": draft.entry_id,
        "action": draft.action,
        "content": draft.content,
        "status": draft.status,
        "author": draft.author,
        "reviewer": draft.reviewer,
        "review_note": draft.review_note,
        "publish_at": iso(draft.publish_at),
        "cluster_id": draft.cluster_id,
        "version": draft.version,
        "created_at": iso(draft.created_at),
        "updated_at": iso(draft.updated_at),
        "published_at": iso(draft.published_at),
        "problems": problems(draft),
        "missing_translation": missing_languages(draft.content) if draft.action != "delete" else [],
    }


class Workflow:
    def __init__(self, db: Database, settings: Any, knowledge: Any, recorder: Recorder) -> None:
        self.db = db
        self.settings = settings
        self.knowledge = knowledge  # the hub's KnowledgeHandle
        self.recorder = recorder
        # Listeners (the gap inbox) told about every entry a draft published.
        self.on_published: list[Any] = []

    async def service(self) -> Any:
        service = await self.knowledge.get()
        if service is None:
            raise Unavailable(self.knowledge.error or "The knowledge index is still loading.")
        return service

    # ---- drafts ------------------------------------------------------------------------
    async def list_drafts(
        self, status: str | None = None, entry_id: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(KnowledgeDraft).order_by(KnowledgeDraft.updated_at.desc()).limit(500)
        if status:
            query = query.where(KnowledgeDraft.status.in_(status.split(",")))
        if entry_id:
            query = query.where(KnowledgeDraft.entry_id == entry_id)
        async with self.db.session() as session:
            drafts = (await session.scalars(query)).all()
        service = self.knowledge.service
        out = []
        for draft in drafts:
            item = draft_json(draft)
            if service is not None and draft.status not in ("published", "withdrawn"):
                from bot.kb.history import entry_diff

                # What approving it would change, against the entry as it is live now.
                after = (
                    None if draft.action == "delete" else {"id": draft.entry_id, **draft.content}
                )
                item["diff"] = entry_diff(service.get(draft.entry_id), after)
            out.append(item)
        return out

    async def get_draft(self, draft_id: int) -> dict[str, Any]:
        async with self.db.session() as session:
            return draft_json(await self._load(session, draft_id))

    async def _load(self, session: Any, draft_id: int) -> KnowledgeDraft:
        draft = await session.get(KnowledgeDraft, draft_id)
        if draft is None:
            raise NotFound(f"no draft {draft_id}")
        return draft  # type: ignore[no-any-return]

    async def create(
        self,
        user: User,
        entry_id: str,
        action: str,
        content: dict[str, Any],
        publish_at: datetime | None = None,
        cluster_id: int | None = None,
    ) -> dict[str, Any]:
        if action == "delete":
            if (await self.service()).get(entry_id) is None:
                raise NotFound(f"no entry with id {entry_id!r}")
            content = {}
        self._check_size(content)
        async with self.db.session() as session:
            draft = KnowledgeDraft(
                entry_id=entry_id,
                action=action,
                content={k: v for k, v in content.items() if k not in ("id", "updated_at")},
                author_id=user.id,
                author=user.username,
                publish_at=publish_at,
                cluster_id=cluster_id,
            )
            session.add(draft)
            await session.flush()
            await audit(session, "draft_created", user.username, entry_id, draft.id, change=action)
            await session.commit()
            return draft_json(draft)

    def _check_size(self, content: dict[str, Any]) -> None:
        """Every write path (drafts, imports, gap drafts, the API) creates or edits a draft."""
        too_big = size_problem(content, EntryLimits.of(self.settings))
        if too_big is not None:
            raise Invalid(too_big)

    async def update(
        self, user: User, draft_id: int, content: dict[str, Any], publish_at: datetime | None
    ) -> dict[str, Any]:
        self._check_size(content)
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            if draft.status not in EDITABLE:
                raise WrongState(f"a {draft.status} draft can no longer be edited")
            draft.content = {k: v for k, v in content.items() if k not in ("id", "updated_at")}
            draft.publish_at = publish_at
            # An edit after review needs a fresh review.
            draft.status, draft.reviewer = "draft", None
            draft.updated_at = utc_now()
            await audit(session, "draft_edited", user.username, draft.entry_id, draft.id)
            await session.commit()
            return draft_json(draft)

    async def submit(self, user: User, draft_id: int) -> dict[str, Any]:
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            if draft.status not in ("draft", "rejected"):
                raise WrongState(f"a {draft.status} draft cannot be submitted")
            if (why := problems(draft)) is not None:
                raise Invalid(f"not ready for review: {why}")
            draft.status, draft.updated_at = "in_review", utc_now()
            await audit(session, "submitted", user.username, draft.entry_id, draft.id)
            await session.commit()
            return draft_json(draft)

    async def reject(self, user: User, draft_id: int, note: str) -> dict[str, Any]:
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            if draft.status != "in_review":
                raise WrongState(f"a {draft.status} draft is not waiting for review")
            draft.status, draft.reviewer, draft.review_note = "rejected", user.username, note
            draft.updated_at = utc_now()
            await audit(session, "rejected", user.username, draft.entry_id, draft.id, note=note)
            await session.commit()
            return draft_json(draft)

    async def withdraw(self, user: User, draft_id: int) -> dict[str, Any]:
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            if draft.status not in (*EDITABLE, "approved"):
                raise WrongState(f"a {draft.status} draft cannot be withdrawn")
            draft.status, draft.updated_at = "withdrawn", utc_now()
            await audit(session, "withdrawn", user.username, draft.entry_id, draft.id)
            await session.commit()
            return draft_json(draft)

    async def approve(self, user: User, draft_id: int) -> dict[str, Any]:
        """Approve a draft under review; it is published now unless scheduled later."""
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            if draft.status != "in_review":
                raise WrongState(f"a {draft.status} draft is not waiting for review")
            if draft.author_id == user.id and not self.settings.knowledge_self_publish:
                raise NotAllowed("A second knowledge manager or a supervisor approves this draft.")
            if (why := problems(draft)) is not None:
                raise Invalid(f"cannot be published: {why}")
            draft.status, draft.reviewer, draft.updated_at = "approved", user.username, utc_now()
            await audit(session, "approved", user.username, draft.entry_id, draft.id)
            await session.commit()
            due = _aware(draft.publish_at)
        if due is None or due <= utc_now():
            return await self.publish(user, draft_id)
        return await self.get_draft(draft_id)

    async def publish(self, user: User | None, draft_id: int) -> dict[str, Any]:
        """Make an approved draft live (or the author's own draft, with self-publishing)."""
        actor = user.username if user else "scheduler"
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            own = (
                self.settings.knowledge_self_publish
                and user is not None
                and draft.status in ("draft", "in_review")
            )
            if draft.status != "approved" and not own:
                if draft.status in ("draft", "in_review"):
                    raise NotAllowed("This draft needs approval by a second person first.")
                raise WrongState(f"a {draft.status} draft cannot be published")
            if (why := problems(draft)) is not None:
                raise Invalid(f"cannot be published: {why}")
            entry_id, action, content = draft.entry_id, draft.action, dict(draft.content)
            if own and draft.reviewer is None:
                draft.reviewer = actor
            await session.commit()
        service = await self.service()
        meta: dict[str, Any] = {
            "actor": actor,
            "kind": "publish" if action == "upsert" else "delete",
            "draft_id": draft_id,
        }
        try:
            if action == "delete":
                await asyncio.to_thread(service.delete, entry_id, meta)
            else:
                await asyncio.to_thread(service.upsert, {**content, "id": entry_id}, True, meta)
        except CorpusError as err:
            raise Invalid(str(err)) from None
        except KeyError:
            raise NotFound(f"no entry with id {entry_id!r}") from None
        await self.recorder.flush()
        async with self.db.session() as session:
            draft = await self._load(session, draft_id)
            draft.status, draft.version = "published", service.version
            draft.published_at = draft.updated_at = utc_now()
            await audit(session, "published", actor, entry_id, draft_id, version=service.version)
            await session.commit()
            out = draft_json(draft)
        for listener in self.on_published:
            await listener(out)
        return out

    async def publish_due(self) -> int:
        """Publish approved drafts whose time has come (the scheduler tick)."""
        now = utc_now()
        async with self.db.session() as session:
            due = (
                await session.scalars(
                    select(KnowledgeDraft.id).where(
                        KnowledgeDraft.status == "approved", KnowledgeDraft.publish_at <= now
                    )
                )
            ).all()
        for draft_id in due:
            try:
                await self.publish(None, draft_id)
            except Exception:  # one bad draft must not stop the others
                log.exception("scheduled publication of draft %s failed", draft_id)
        return len(due)

    async def expire_due(self) -> list[str]:
        """Withdraw published entries past their ``expires_at`` (e.g. an ended promotion)."""
        service = await self.knowledge.get()
        if service is None:
            return []
        now = utc_now()
        expired = []
        for entry in service.entries():
            raw = entry.get("expires_at")
            if raw and _aware(datetime.fromisoformat(raw)) <= now:  # type: ignore[operator]
                try:
                    meta = {"actor": "scheduler", "kind": "expire"}
                    await asyncio.to_thread(service.delete, entry["id"], meta)
                    expired.append(entry["id"])
                except KeyError:
                    pass
        if expired:
            await self.recorder.flush()
        return expired

    # ---- history and rollback ---------------------------------------------------------
    async def history(self, entry_id: str) -> list[dict[str, Any]]:
        from bot.kb.history import entry_diff

        await self.recorder.flush()
        async with self.db.session() as session:
            rows = (
                await session.scalars(
                    select(KnowledgeRevision)
                    .where(KnowledgeRevision.entry_id == entry_id)
                    .order_by(KnowledgeRevision.id.desc())
                    .limit(200)
                )
            ).all()
        return [
            {
                "id": r.id,
                "entry_id": r.entry_id,
                "kind": r.kind,
                "actor": r.actor,
                "at": iso(r.created_at),
                "version": r.version,
                "draft_id": r.draft_id,
                "diff": entry_diff(r.before, r.after),
                "before": r.before,
                "after": r.after,
            }
            for r in rows
        ]

    async def rollback_entry(
        self, user: User, entry_id: str, revision_id: int, side: str = "after"
    ) -> dict[str, Any]:
        """Put the entry back as it was right after the given revision (``side="after"``),
        or right before it (``"before"``: e.g. the version older than any recorded change)."""
        async with self.db.session() as session:
            rev = await session.get(KnowledgeRevision, revision_id)
            if rev is None or rev.entry_id != entry_id:
                raise NotFound(f"no revision {revision_id} of {entry_id!r}")
            target = rev.after if side == "after" else rev.before
        service = await self.service()
        meta = {
            "actor": user.username,
            "kind": "rollback",
            "to_revision": revision_id,
            "side": side,
        }
        try:
            if target is None:
                await asyncio.to_thread(service.delete, entry_id, meta)
            else:
                await asyncio.to_thread(service.upsert, target, True, meta)
        except KeyError:
            raise WrongState(f"{entry_id!r} is already deleted") from None
        await self.recorder.flush()
        return {"entry": service.get(entry_id), "version": service.version}

    async def rollback_corpus(self, user: User, version: int) -> dict[str, Any]:
        service = await self.service()
        from knowledge.store import IndexMissingError

        try:
            await asyncio.to_thread(
                service.rollback, version, {"actor": user.username, "kind": "corpus_rollback"}
            )
        except IndexMissingError as err:
            raise NotFound(str(err)) from None
        await self.recorder.flush()
        return {"version": service.version}

    async def publish_now(self, user: User, entry: dict[str, Any]) -> dict[str, Any]:
        """A change published without a separate draft step (self-publishing teams, API)."""
        if not self.settings.knowledge_self_publish:
            raise NotAllowed(
                "Changes are reviewed here: save a draft and ask a second person to approve it."
            )
        draft = await self.create(user, entry["id"], "upsert", entry)
        return await self.publish(user, draft["id"])
