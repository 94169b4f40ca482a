"""Tables of the agent copilot's reply tools: canned replies knowledge managers write (with
``{{variables}}`` the hub fills from the conversation) and smart-reply candidates mined from
what agents sent, which a knowledge manager approves before agents see them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base
from bot.store.times import utc_now

SMART_REPLY_STATES = ("pending", "approved", "rejected")


class CannedReply(Base):
    """One bilingual canned reply; the conversation's language picks the text."""

    __tablename__ = "canned_replies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What agents type after "/" to find it, e.g. "greet" or "callback".
    shortcut: Mapped[str] = mapped_column(String(40), unique=True)
    title_vi: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(120))
    text_vi: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SmartReply(Base):
    """A short reply agents sent to a kind of customer message, mined from resolved
    conversations; used only once a knowledge manager approves it."""

    __tablename__ = "smart_replies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(2), default="vi")
    customer_text: Mapped[str] = mapped_column(Text)  # a representative customer message
    reply_text: Mapped[str] = mapped_column(String(400), index=True)
    support: Mapped[int] = mapped_column(Integer, default=1)  # times agents sent it
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    source_conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
