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


class GapClusterOut(BaseModel):
    """A cluster of the gap inbox (``bot.kb.gaps.GapInbox.clusters``), redacted for the
    knowledge managers who read it, and without the conversations' ids."""

    id: int
    status: str  # open | closed
    label: str
    count: int
    sources: dict[str, int]  # how many questions came from each source (nlu_fallback...)
    phrasings: list[str]  # distinct, newest first, a few
    languages: list[str]
    first_seen_at: str | None
    last_seen_at: str | None
    priority: float  # volume weighted by recency (knowledge.clustering.priority)
    draft_id: int | None
    entry_id: str | None  # the entry that answered it, once closed


class EntryUsageOut(BaseModel):
    """One entry's use (``bot.kb.usage.summarize``): suggestion events by kind, the bot's
    answers with it, and the CSAT of the conversations that used it."""

    entry_id: str
    shown: int
    inserted: int
    sent: int
    sent_edited: int
    dismissed: int
    bot_answers: int
    last_used_at: str | None
    csat: float | None
    csat_responses: int
    stale: list[str]  # unused | review_due


class StaleEntryOut(BaseModel):
    entry_id: str
    reasons: list[str]  # unused | review_due
    review_at: str | None


class UsageOut(BaseModel):
    entries: list[EntryUsageOut]  # by entry id, unused entries included
    stale: list[StaleEntryOut]
    stale_days: int
