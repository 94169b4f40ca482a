"""ORM models for everything the hub owns: customers, conversations, messages, agents,
call-backs, suggestion feedback and offer outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.store.times import utc_now


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Customer(Base):
    """A customer, or a contact the hub knows only by a site's signed id: a bank site may
    vouch for a customer the hub's records do not hold yet, so profile fields may be unknown
    (as Chatwoot creates a contact for an identified visitor)."""

    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    dob: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(2), default="vi")
    customer_since: Mapped[date | None] = mapped_column(Date)
    segment: Mapped[str] = mapped_column(String(40), default="mass")
    # Monthly spend by category, e.g. {"2026-10": {"retail": 9500000, "travel": 0}}.
    spend: Mapped[dict[str, Any]] = mapped_column(default=dict)
    products: Mapped[list[Any]] = mapped_column(default=list)
    cards: Mapped[list[Card]] = relationship(back_populates="customer", lazy="selectin")
    applications: Mapped[list[Application]] = relationship(lazy="selectin")


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    last4: Mapped[str] = mapped_column(String(4), index=True)
    product: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="credit")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | blocked
    blocked_reason: Mapped[str | None] = mapped_column(String(20))
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payment_due_date: Mapped[date | None] = mapped_column(Date)
    statement_balance: Mapped[int | None] = mapped_column(Integer)
    minimum_payment: Mapped[int | None] = mapped_column(Integer)
    customer: Mapped[Customer] = relationship(back_populates="cards")


class Application(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    product: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[date] = mapped_column(Date)


class User(Base):
    """A person who signs in to the panel: agent, knowledge manager or supervisor."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # agent | knowledge_manager | supervisor
    team: Mapped[str] = mapped_column(String(40), default="cards")
    password_hash: Mapped[str] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Routing (bot.handoff.routing): concurrent chats (null: the setting's default), skills
    # (null: every skill), the last offer (longest idle goes first) and offers missed.
    capacity: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[list[Any] | None] = mapped_column(JSON)
    last_offer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    missed_offers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AgentSession(Base):
    """A signed-in panel session. The cookie holds a random token; only its SHA-256 is
    stored, so a copy of the database does not sign anyone in."""

    __tablename__ = "agent_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(30))


class SigninThrottle(Base):
    """Recent failed sign-ins for one account or one client address (scope + key)."""

    __tablename__ = "signin_throttle"
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # account | address
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # No attempt is verified before this instant (the growing delay).
    next_allowed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # An attempt on this account is being verified (set by the process checking it).
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # web | telegram | api
    # The channel's id for the customer's thread: widget visitor id or Telegram chat id.
    channel_key: Mapped[str] = mapped_column(String(128), index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # How the customer is known (bot.access.customer_link): signed | otp | card_dob | agent. Only
    # "signed" makes the bot treat them as signed in; the rest are for the agent's view.
    customer_verified_by: Mapped[str | None] = mapped_column(String(12))
    customer_linked_by: Mapped[str | None] = mapped_column(String(64))  # the agent's username
    customer_link_reason: Mapped[str | None] = mapped_column(String(300))
    # Copied at linking so the queue card names the customer without a join per push.
    customer_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    state: Mapped[str] = mapped_column(String(20), default="bot", index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    team: Mapped[str] = mapped_column(String(40), default="cards")
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handoff_reason: Mapped[str | None] = mapped_column(String(40))
    # Context packet: intents, slots, failed turns, transfer notes (transcript is the messages).
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    rasa_episode: Mapped[int] = mapped_column(Integer, default=0)
    resolution_code: Mapped[str | None] = mapped_column(String(40))
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Indexed: the wait forecast reads the most recently ended conversations by it.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.seq", lazy="raise"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "channel_message_id", name="uq_channel_msg"),
        # Order within a conversation is a database fact, not a process-wide lock.
        UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    sender: Mapped[str] = mapped_column(String(10))  # customer | bot | agent | system
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(20))
    # The channel's own id (widget client id, Telegram update id): makes intake idempotent.
    channel_message_id: Mapped[str | None] = mapped_column(String(128))
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # buttons, intent, etc.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class ConversationEvent(Base):
    """Audit trail: every state change, assignment, transfer, note and alert."""

    __tablename__ = "conversation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Callback(Base):
    __tablename__ = "callbacks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    sender_id: Mapped[str | None] = mapped_column(String(128), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    preferred_time: Mapped[str | None] = mapped_column(String(200))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="scheduled")  # scheduled|done|missed
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Alert(Base):
    """Something a supervisor or owner must see: transfer cap, overdue call-back, reminder."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    audience: Mapped[str] = mapped_column(String(20), default="supervisor")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SuggestionEvent(Base):
    """Shown / inserted / edited / dismissed feedback for one knowledge suggestion."""

    __tablename__ = "suggestion_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    entry_id: Mapped[str] = mapped_column(String(128), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)
    event: Mapped[str] = mapped_column(String(16))  # shown|inserted|sent|sent_edited|dismissed
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class OfferEvent(Base):
    """A cross-sell or retention prompt shown to an agent, and its outcome."""

    __tablename__ = "offer_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    offer_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # shown|accepted|declined|not_relevant
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class WorkItem(Base):
    """One stored customer message waiting to be routed (to the bot or a person).

    Only the oldest unfinished item of a conversation can be claimed, which keeps each
    conversation in order; a claim is a lease, so a crashed worker's item is re-driven.
    """

    __tablename__ = "work_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # |done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxEntry(Base):
    """One outbound message to deliver on its channel; its id is the delivery id."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # |sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobLease(Base):
    """Which hub replica runs a scheduled job (``bot.cluster.jobs``), and until when; a replica
    that stops renewing loses it when ``until`` passes."""

    __tablename__ = "job_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssistState(Base):
    """What live assist last suggested and offered in a conversation, shared by every hub
    replica (``bot.assist.live``): the panel may reconnect to any of them."""

    __tablename__ = "assist_states"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    # The customer message the suggestions answer (newest wins).
    message_id: Mapped[int | None] = mapped_column(Integer)
    suggestions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    offer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # offer, churn, suppressed
    topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    shown_rule_id: Mapped[str | None] = mapped_column(String(64))
    shown_offer_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )


class IdentityAttempt(Base):
    """Recent failed identity checks of customers for one scope: a visitor (channel
    thread), a client address or a target customer (``bot.access.identity_throttle``). Kept in the
    database, so every hub replica counts the same failures."""

    __tablename__ = "identity_attempts"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_identity_attempt_scope_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # visitor | address | customer
    key: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # No check runs for this scope before this instant (the growing delay).
    next_allowed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class IdentityCheck(Base):
    """How far a bot conversation (by Rasa sender id) has proved who the customer is, and
    its pending one-time code (only a keyed hash of it is stored)."""

    __tablename__ = "identity_checks"
    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    customer_id: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(12))  # card_dob | otp
    how: Mapped[str] = mapped_column(String(40))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    otp_hash: Mapped[str | None] = mapped_column(String(64))
    otp_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_tries_left: Mapped[int] = mapped_column(Integer, default=0)
    otp_sends: Mapped[int] = mapped_column(Integer, default=0)


class ChannelToken(Base):
    """A messaging platform's access and refresh tokens (``bot.pipeline.tokens``). The
    refresh token is single-use, so one replica at a time refreshes, under the lease in
    ``refreshing_owner`` / ``refreshing_until``, and the new pair is written here."""

    __tablename__ = "channel_tokens"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refreshing_owner: Mapped[str | None] = mapped_column(String(64))
    refreshing_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refreshes: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
