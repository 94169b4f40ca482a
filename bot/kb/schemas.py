"""What the knowledge workflow's routes answer (bot/kb/routes.py), declared so that the
OpenAPI document and the panel (bot/panel/static/knowledge*.js) read one shape.

An entry's own fields (questions, answers, tags in both languages) stay a free mapping:
their rules live with the corpus (knowledge/corpus.py), which validates every entry."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class WorkflowSettingsOut(BaseModel):
    self_publish: bool
    store: str
    stale_days: int
    user: str


class DraftOut(BaseModel):
    """A draft (``bot.kb.workflow.draft_json``): a proposed change to one entry."""

    id: int
    entry_id: str
    action: str  # upsert | delete
    content: dict[str, Any]
    status: str  # draft | in_review | approved | rejected | withdrawn | published
    author: str | None
    reviewer: str | None
    review_note: str | None
    publish_at: str | None
    cluster_id: int | None
    version: int | None
    created_at: str | None
    updated_at: str | None
    published_at: str | None
    problems: str | None  # why it cannot be published yet
    missing_translation: list[str]


class DraftListItemOut(DraftOut):
    # What approving it would change against the live entry (bot.kb.history.entry_diff);
    # absent once the draft is published or withdrawn.
    diff: Any = None


class EntryChangeOut(BaseModel):
    entry: dict[str, Any] | None  # the entry as it is live now (None: deleted)
    version: int


class EntryPublishedOut(EntryChangeOut):
    draft: DraftOut


class EntryDeletedOut(BaseModel):
    deleted: str
    version: int


class RevisionOut(BaseModel):
    id: int
    entry_id: str
    kind: str
    actor: str | None
    at: str | None
    version: int | None
    draft_id: int | None
    diff: Any
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class CorpusVersionOut(BaseModel):
    """One published version of the corpus (``knowledge.store`` keeps their metadata)."""

    model_config = {"extra": "allow"}  # and what the store records with it (actor, kind...)

    version: int
    current: bool


class CorpusRolledBackOut(BaseModel):
    version: int


class AuditOut(BaseModel):
    id: int
    action: str
    entry_id: str | None
    draft_id: int | None
    actor: str | None
    data: dict[str, Any] | None
    at: str | None


class GapRecordedOut(BaseModel):
    recorded: bool
