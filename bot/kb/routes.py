"""HTTP routes of the knowledge managers' workflow (all under /api/knowledge, editors only):
drafts and review, history and rollback, the audit trail, the gap inbox, usage, and bulk
import and export."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.access.auth import require_editor, require_service
from bot.access.deps import DatabaseDep, SettingsDep, optional_part_of, part_of
from bot.api.params import DbId, DbIdField
from bot.kb.errors import Invalid, NotAllowed
from bot.kb.gaps import GapInbox
from bot.kb.history import audit
from bot.kb.schemas import (
    AuditOut,
    CorpusRolledBackOut,
    CorpusVersionOut,
    DraftListItemOut,
    DraftOut,
    EntryChangeOut,
    EntryDeletedOut,
    EntryPublishedOut,
    GapClusterOut,
    GapRecordedOut,
    RevisionOut,
    UsageOut,
    WorkflowSettingsOut,
)
from bot.kb.usage import load_uses, summarize
from bot.kb.workflow import Workflow
from bot.store.knowledge_models import KnowledgeAudit
from bot.store.models import User
from bot.store.times import iso, utc_now
from chattext.spreadsheet import csv_text
from knowledge.corpus import ID_PATTERN, EntryLimits
from knowledge.transfer import export_entries, parse_entries

router = APIRouter(prefix="/api/knowledge", tags=["knowledge workflow"])
# For Rasa's action server (service token), like bot/api/internal.py.
internal_router = APIRouter(
    prefix="/internal/knowledge", dependencies=[Depends(require_service)], tags=["internal"]
)
Editor = Annotated[User, Depends(require_editor)]


# What ``bot.kb.install`` keeps on the application.
WorkflowDep = Annotated[Workflow, Depends(part_of("kb_workflow", Workflow))]
GapsDep = Annotated[GapInbox, Depends(part_of("kb_gaps", GapInbox))]
OptionalGapsDep = Annotated[GapInbox | None, Depends(optional_part_of("kb_gaps", GapInbox))]


class DraftIn(BaseModel):
    entry_id: str = Field(pattern=ID_PATTERN)
    action: Literal["upsert", "delete"] = "upsert"
    content: dict[str, Any] = Field(default_factory=dict)
    publish_at: datetime | None = None


class DraftEdit(BaseModel):
    content: dict[str, Any]
    publish_at: datetime | None = None


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class RollbackIn(BaseModel):
    revision_id: DbIdField
    # "after": the entry as this change left it; "before": as it was before this change.
    side: Literal["after", "before"] = "after"


class ImportIn(BaseModel):
    format: Literal["csv", "yaml", "jsonl"]
    text: str = Field(max_length=5_000_000)


class ImportOut(BaseModel):
    imported: int
    drafts: list[int]
    published: bool
    errors: list[dict[str, Any]]


@router.get("/settings", response_model=WorkflowSettingsOut)
async def workflow_settings(settings: SettingsDep, user: Editor) -> dict[str, Any]:
    """What the panel needs to know: may this team publish its own drafts?"""
    return {
        "self_publish": bool(settings.knowledge_self_publish),
        "store": settings.knowledge_store,
        "stale_days": settings.knowledge_stale_days,
        "user": user.username,
    }


@router.get("/drafts", response_model=list[DraftListItemOut])
async def list_drafts(
    workflow: WorkflowDep,
    user: Editor,
    status: Annotated[str | None, Query(pattern=r"^[a-z_,]+$")] = None,
    entry_id: str | None = None,
) -> list[dict[str, Any]]:
    return await workflow.list_drafts(status, entry_id)


@router.post("/drafts", status_code=201, response_model=DraftOut)
async def create_draft(body: DraftIn, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.create(user, body.entry_id, body.action, body.content, body.publish_at)


@router.get("/drafts/{draft_id}", response_model=DraftOut)
async def get_draft(draft_id: DbId, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.get_draft(draft_id)


@router.put("/drafts/{draft_id}", response_model=DraftOut)
async def edit_draft(
    draft_id: DbId, body: DraftEdit, workflow: WorkflowDep, user: Editor
) -> dict[str, Any]:
    return await workflow.update(user, draft_id, body.content, body.publish_at)


@router.post("/drafts/{draft_id}/submit", response_model=DraftOut)
async def submit_draft(draft_id: DbId, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.submit(user, draft_id)


@router.post("/drafts/{draft_id}/approve", response_model=DraftOut)
async def approve_draft(draft_id: DbId, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.approve(user, draft_id)


@router.post("/drafts/{draft_id}/reject", response_model=DraftOut)
async def reject_draft(
    draft_id: DbId, body: NoteIn, workflow: WorkflowDep, user: Editor
) -> dict[str, Any]:
    return await workflow.reject(user, draft_id, body.note)


@router.post("/drafts/{draft_id}/withdraw", response_model=DraftOut)
async def withdraw_draft(draft_id: DbId, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.withdraw(user, draft_id)


@router.post("/drafts/{draft_id}/publish", response_model=DraftOut)
async def publish_draft(draft_id: DbId, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.publish(user, draft_id)


@router.put("/entries/{entry_id}", response_model=EntryPublishedOut)
async def put_entry(
    entry_id: str, workflow: WorkflowDep, user: Editor, entry: dict[str, Any]
) -> dict[str, Any]:
    """Publish a change at once (self-publishing teams only; others save a draft)."""
    if entry.get("id", entry_id) != entry_id:
        raise Invalid(f"id in the body ({entry.get('id')!r}) differs from the URL")
    draft = await workflow.publish_now(user, {**entry, "id": entry_id})
    service = await workflow.service()
    return {"entry": service.get(entry_id), "version": service.version, "draft": draft}


@router.delete("/entries/{entry_id}", response_model=EntryDeletedOut)
async def delete_entry(
    entry_id: str, wf: WorkflowDep, settings: SettingsDep, user: Editor
) -> dict[str, Any]:
    """Delete at once (self-publishing teams only; others submit a deletion draft)."""
    if not settings.knowledge_self_publish:
        raise NotAllowed("Deletions are reviewed: submit a deletion draft instead.")
    draft = await wf.create(user, entry_id, "delete", {})
    await wf.publish(user, draft["id"])
    return {"deleted": entry_id, "version": (await wf.service()).version}


@router.get("/entries/{entry_id}/history", response_model=list[RevisionOut])
async def entry_history(entry_id: str, workflow: WorkflowDep, user: Editor) -> list[dict[str, Any]]:
    return await workflow.history(entry_id)


@router.post("/entries/{entry_id}/rollback", response_model=EntryChangeOut)
async def rollback_entry(
    entry_id: str, body: RollbackIn, workflow: WorkflowDep, user: Editor
) -> dict[str, Any]:
    return await workflow.rollback_entry(user, entry_id, body.revision_id, body.side)


@router.get("/versions", response_model=list[CorpusVersionOut])
async def corpus_versions(workflow: WorkflowDep, user: Editor) -> list[dict[str, Any]]:
    service = await workflow.service()
    versions = await asyncio.to_thread(service.versions)
    return sorted(versions, key=lambda v: -int(v["version"]))


@router.post("/versions/{version}/rollback", response_model=CorpusRolledBackOut)
async def rollback_corpus(version: DbId, workflow: WorkflowDep, user: Editor) -> dict[str, Any]:
    return await workflow.rollback_corpus(user, version)


@router.get("/audit", response_model=list[AuditOut])
async def audit_trail(
    workflow: WorkflowDep,
    db: DatabaseDep,
    user: Editor,
    entry_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    await workflow.recorder.flush()
    query = select(KnowledgeAudit).order_by(KnowledgeAudit.id.desc()).limit(limit)
    if entry_id:
        query = query.where(KnowledgeAudit.entry_id == entry_id)
    async with db.session() as session:
        rows = (await session.scalars(query)).all()
    return [
        {
            "id": r.id,
            "action": r.action,
            "entry_id": r.entry_id,
            "draft_id": r.draft_id,
            "actor": r.actor,
            "data": r.data,
            "at": iso(r.created_at),
        }
        for r in rows
    ]


@router.get("/gaps", response_model=list[GapClusterOut])
async def gap_inbox(
    gaps: GapsDep,
    user: Editor,
    status: Literal["open", "closed"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Clusters of questions the knowledge base failed, busiest and most recent first."""
    await gaps.refresh()
    return await gaps.clusters(status, limit)


@router.get("/gaps.csv", response_class=Response)
async def gap_inbox_csv(
    gaps: GapsDep, user: Editor, status: Literal["open", "closed"] = "open"
) -> Response:
    """The gap inbox for a spreadsheet: redacted like the inbox, cells made inert."""
    await gaps.refresh()
    clusters = await gaps.clusters(status, 2000)
    header = ["id", "status", "count", "label", "phrasings", "languages", "last_seen_at"]
    rows = [
        [
            c["id"],
            c["status"],
            c["count"],
            c["label"],
            " | ".join(c["phrasings"]),
            " ".join(c["languages"]),
            c["last_seen_at"],
        ]
        for c in clusters
    ]
    return Response(
        csv_text(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="knowledge-gaps.csv"'},
    )


@router.post("/gaps/{cluster_id}/draft", status_code=201, response_model=DraftOut)
async def gap_to_draft(
    cluster_id: DbId, workflow: WorkflowDep, gaps: GapsDep, user: Editor
) -> dict[str, Any]:
    return await gaps.to_draft(user, cluster_id, workflow)


@router.get("/usage", response_model=UsageOut)
async def usage(
    workflow: WorkflowDep,
    settings: SettingsDep,
    db: DatabaseDep,
    user: Editor,
    days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> dict[str, Any]:
    """Per entry: suggestion events, bot answers and CSAT; and the stale entries."""
    service = await workflow.service()
    stale_days = int(settings.knowledge_stale_days)
    now = utc_now()
    since = now - timedelta(days=max(days or stale_days, stale_days))
    async with db.session() as session:
        uses, csat = await load_uses(session, since)
    return summarize(service.entries(), uses, csat, now, stale_days)


@router.get("/export", response_class=PlainTextResponse)
async def export(
    workflow: WorkflowDep,
    db: DatabaseDep,
    user: Editor,
    format: Literal["csv", "yaml", "jsonl"] = "yaml",
) -> PlainTextResponse:
    service = await workflow.service()
    text = export_entries(service.entries(), format)
    async with db.session() as session:
        await audit(session, "exported", user.username, format=format)
        await session.commit()
    media = {"csv": "text/csv", "yaml": "application/yaml", "jsonl": "application/jsonl"}[format]
    return PlainTextResponse(
        text,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="knowledge.{format}"'},
    )


@router.post("/import")
async def import_entries(
    body: ImportIn, wf: WorkflowDep, settings: SettingsDep, db: DatabaseDep, user: Editor
) -> ImportOut:
    """Every bad line is reported and nothing is imported until the file is clean. Clean
    entries become drafts waiting for review (or are published, for self-publishing teams)."""
    limits = EntryLimits.of(settings)
    # Parsing and validating up to 5 MB is CPU work: off the event loop.
    entries, errors = await asyncio.to_thread(parse_entries, body.text, body.format, limits)
    refused = [e for e in errors if e.too_large]
    if refused:
        first = refused[0]
        raise Invalid(f"line {first.line}: {first.message}", errors=[e.to_dict() for e in refused])
    if errors:
        return ImportOut(
            imported=0, drafts=[], published=False, errors=[e.to_dict() for e in errors]
        )
    self_publish = bool(settings.knowledge_self_publish)
    drafts = []
    for entry in entries:
        draft = await wf.create(user, entry["id"], "upsert", entry)
        drafts.append(draft["id"])
        if self_publish:
            await wf.publish(user, draft["id"])
        else:
            await wf.submit(user, draft["id"])
    async with db.session() as session:
        await audit(session, "imported", user.username, count=len(entries), format=body.format)
        await session.commit()
    return ImportOut(imported=len(entries), drafts=drafts, published=self_publish, errors=[])


class GapIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    lang: Literal["vi", "en"] | None = None
    sender_id: str | None = Field(default=None, max_length=128)
    source: Literal["nlu_fallback"] = "nlu_fallback"


@internal_router.post("/gaps", status_code=201, response_model=GapRecordedOut)
async def report_gap(body: GapIn, gaps: GapsDep) -> dict[str, Any]:
    """A customer turn the bot did not understand (the fallback action reports it)."""
    await gaps.record_gap(body.text, body.lang, body.sender_id, body.source)
    return {"recorded": True}
