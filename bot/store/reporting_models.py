"""Tables the reporting listener writes: one row per thing that happened (reporting events),
one row per conversation of running facts (clocks, survey state), and incremental
aggregates per local day (rollups, and duration histograms for percentiles).

They are part of the store, like every table (the migrations own the schema); the logic
that fills and reads them lives in ``bot/reporting/``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base
from bot.store.times import utc_now


class ReportingEvent(Base):
    """Something measurable that happened, written in the same transaction as its cause."""

    __tablename__ = "reporting_events"
    __table_args__ = (Index("ix_reporting_events_name_at", "name", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    # Seconds for durations, the score for surveys, +1/-1 for counts (a count can be undone).
    value: Mapped[float] = mapped_column(Float, default=1.0)
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str | None] = mapped_column(String(40))
    intent: Mapped[str | None] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ReportingRollup(Base):
    """Count and total of one measure for one local day and one breakdown value.

    ``dim`` is all | agent | channel | language | reason | intent | hour; ``dim_value``
    is "" for all.
    """

    __tablename__ = "reporting_rollups"
    __table_args__ = (
        UniqueConstraint("day", "metric", "dim", "dim_value", name="uq_reporting_rollup"),
        Index("ix_reporting_rollups_dim_day", "dim", "day"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(32))
    dim: Mapped[str] = mapped_column(String(10))
    dim_value: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)


class ReportingHistogram(Base):
    """Durations counted in logarithmic buckets, so percentiles add up across days."""

    __tablename__ = "reporting_histograms"
    __table_args__ = (
        UniqueConstraint(
            "day", "metric", "dim", "dim_value", "bucket", name="uq_reporting_histogram"
        ),
        Index("ix_reporting_histograms_dim_day", "dim", "day"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(32))
    dim: Mapped[str] = mapped_column(String(10))
    dim_value: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ReportingConversation(Base):
    """Running facts of one conversation: the clocks the measures need, and its surveys."""

    __tablename__ = "reporting_conversations"
    __table_args__ = (Index("ix_reporting_conversations_thread", "channel", "channel_key"),)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    channel_key: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    reason: Mapped[str | None] = mapped_column(String(40))
    # The topic the customer came about (their latest topic intent before the hand-off).
    intent: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="bot", index=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_human_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bot_waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_customer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    contained: Mapped[bool] = mapped_column(Boolean, default=False)
    callback: Mapped[bool] = mapped_column(Boolean, default=False)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    requeues: Mapped[int] = mapped_column(Integer, default=0)
    csat: Mapped[int | None] = mapped_column(Integer)
    csat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    nps: Mapped[int | None] = mapped_column(Integer)
    nps_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None (not decided) | asked | skipped | answered | prompted (comment invited) | done
    nps_state: Mapped[str | None] = mapped_column(String(10), index=True)
    nps_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    comment_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The conversation opened by a survey comment: not a request for help, so not counted.
    survey_comment: Mapped[bool] = mapped_column(Boolean, default=False)
