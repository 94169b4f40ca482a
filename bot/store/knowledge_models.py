"""Tables of the knowledge managers' workflow: drafts under review, the history of every
published entry, the audit trail, the knowledge-gap inbox and what the bot answered with.

The published corpus itself lives where ``TANDEM_KNOWLEDGE_STORE`` says (YAML files or the
``knowledge_entries`` table); these tables are about how it got there and how it is used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base
from bot.store.times import utc_now

DRAFT_STATES = ("draft", "in_review", "approved", "published", "rejected", "withdrawn")


class KnowledgeDraft(Base):
    """A proposed change to one entry (create, edit or delete), waiting for review."""

    __tablename__ = "knowledge_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(10), default="upsert")  # upsert | delete
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(64))
    reviewer: Mapped[str | None] = mapped_column(String(64))
    review_note: Mapped[str | None] = mapped_column(Text)
    # Approved drafts wait until this time to be published (None: at once).
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)  # corpus version it became
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KnowledgeRevision(Base):
    """One change to a published entry: its content before and after, who and when."""

    __tablename__ = "knowledge_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))  # publish|delete|rollback|corpus_rollback|...
    actor: Mapped[str | None] = mapped_column(String(64))
    draft_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class KnowledgeAudit(Base):
    """Every action on the knowledge base, including those that change nothing live yet."""

    __tablename__ = "knowledge_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(30))
    entry_id: Mapped[str | None] = mapped_column(String(80), index=True)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class GapCluster(Base):
    """Unanswered questions that mean the same thing, in either language."""

    __tablename__ = "knowledge_gap_clusters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open|closed
    label: Mapped[str] = mapped_column(Text)
    centroid: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(Integer, default=0)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    entry_id: Mapped[str | None] = mapped_column(String(80))  # the entry that answers it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GapItem(Base):
    """One question the knowledge base failed: a weak bot answer, a fallback hand-off, or a
    suggestion an agent dismissed or rewrote."""

    __tablename__ = "knowledge_gap_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # low_confidence | fallback_handoff | dismissed | edited
    source: Mapped[str] = mapped_column(String(20), index=True)
    # The suggestion event (dismissed, edited) or conversation (fallback hand-off) it came from.
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(2))
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    top_entry_id: Mapped[str | None] = mapped_column(String(80))
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_gap_clusters.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class KnowledgeAnswer(Base):
    """The bot answered a customer with this entry (the knowledge answer endpoint)."""

    __tablename__ = "knowledge_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    score: Mapped[float | None] = mapped_column(Float)
    lang: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class StoredEntry(Base):
    """The published corpus, when it lives in the database (TANDEM_KNOWLEDGE_STORE=database)."""

    __tablename__ = "knowledge_entries"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
