"""Tables of the agent copilot: the wrap-up codes supervisors edit, every wrap-up choice an
agent made (what was suggested, what was chosen) and the hand-off summary of a conversation.

They are part of the store (migration 0013 owns the schema); the logic that fills and reads
them lives in ``bot/copilot/``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base
from bot.store.times import utc_now


class WrapupCode(Base):
    """A code an agent closes a conversation with; inactive codes stay for old resolutions."""

    __tablename__ = "wrapup_codes"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    description_vi: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class WrapupChoice(Base):
    """One resolve: the three codes suggested, the code chosen and the features they came from."""

    __tablename__ = "wrapup_choices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    suggested: Mapped[list[str]] = mapped_column(JSON, default=list)
    chosen: Mapped[str] = mapped_column(String(40))
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ConversationSummary(Base):
    """The latest hand-off summary: lines of {kind, text, source} computed from stored turns."""

    __tablename__ = "conversation_summaries"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    stage: Mapped[str] = mapped_column(String(12))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
