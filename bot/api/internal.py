"""Internal API for Rasa's action server: knowledge answers, identity (bot/api/identity.py),
cards, accounts and call-backs. Actions never touch the database themselves; the hub owns
every table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.access.auth import require_service
from bot.access.deps import CoreDep, DatabaseDep, KnowledgeDep, SettingsDep
from bot.api import identity
from bot.api.params import DbId, DbIdField
from bot.api.schemas import CallbackOut
from bot.handoff import callbacks
from bot.kb.routes import OptionalGapsDep
from bot.store.models import Card, Conversation, Customer
from bot.store.serialize import callback_json
from bot.store.times import utc_now
from knowledge.api import HitOut
from knowledge.context import prefer_subject

router = APIRouter(prefix="/internal", dependencies=[Depends(require_service)], tags=["internal"])
# Identity checks and one-time codes (bot/api/identity.py), behind the same service token.
router.include_router(identity.router)


# Hits read before re-ranking towards a subject (`prefer`).
SUBJECT_DEPTH = 5


class KnowledgeAnswerOut(BaseModel):
    hits: list[HitOut]


@router.get("/knowledge/answer", response_model=KnowledgeAnswerOut)
async def knowledge_answer(
    core: CoreDep,
    knowledge: KnowledgeDep,
    gaps: OptionalGapsDep,
    q: str = Query(..., min_length=1, max_length=4000),
    lang: str | None = None,
    k: int = Query(3, ge=1, le=20),
    sender_id: str | None = Query(None, max_length=128),
    prefer: str | None = Query(
        None, max_length=200, description="comma-separated tags of the subject under way"
    ),
) -> dict[str, Any]:
    service = await knowledge.get()
    if service is None:
        raise HTTPException(503, "The knowledge index is still loading.")
    tags = [t.strip() for t in (prefer or "").split(",") if t.strip()]
    # With a subject, look a little deeper: its entry may rank just below the top k.
    depth = max(k, SUBJECT_DEPTH) if tags else k
    hits = await knowledge.search(q, lang if lang in ("vi", "en") else None, depth)
    if tags:
        hits = prefer_subject(hits, tags, service.retriever.threshold)[:k]
    # Usage per entry and the knowledge-gap inbox (written after the response).
    if gaps is not None:
        core.spawn(gaps.record_answer(q, lang, hits, sender_id))
    return {"hits": hits}


class BlockIn(BaseModel):
    customer_id: str
    card_last4: str = Field(pattern=r"^\d{4}$")
    reason: Literal["lost", "stolen", "fraud"] = "lost"


class BlockedOut(BaseModel):
    blocked: bool
    card_last4: str
    reference: str
    replacement_days: str


@router.post("/cards/block", response_model=BlockedOut)
async def block_card(body: BlockIn, db: DatabaseDep) -> dict[str, Any]:
    async with db.session() as session:
        card = await session.scalar(
            select(Card).where(Card.customer_id == body.customer_id, Card.last4 == body.card_last4)
        )
        if card is None:
            raise HTTPException(404, "No such card for this customer.")
        if card.status != "blocked":
            card.status = "blocked"
            card.blocked_reason = body.reason
            card.blocked_at = utc_now()
            await session.commit()
        return {
            "blocked": True,
            "card_last4": card.last4,
            "reference": f"BLK-{card.id:05d}",
            "replacement_days": "5-7",
        }


class AccountCardOut(BaseModel):
    last4: str
    product: str
    status: str
    payment_due_date: str | None
    statement_balance: int | None
    minimum_payment: int | None


class AccountApplicationOut(BaseModel):
    product: str
    status: str
    submitted_at: str


class AccountOut(BaseModel):
    customer_id: str
    name: str | None
    language: str
    cards: list[AccountCardOut]
    applications: list[AccountApplicationOut]


@router.get("/customers/{customer_id}/account", response_model=AccountOut)
async def account(
    customer_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    sender_id: str = Query(..., min_length=1, max_length=128),
) -> dict[str, Any]:
    """Balances, due dates and applications, only for a conversation that has proved it is
    this customer beyond card digits and a birth date (bot/api/identity.py)."""
    async with db.session() as session:
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise HTTPException(404, "No such customer.")
        if not await identity.account_allowed(session, settings, customer_id, sender_id):
            raise HTTPException(
                403, "This conversation has not proved it is this customer (one-time code)."
            )
        return {
            "customer_id": customer.id,
            "name": customer.name,
            "language": customer.language,
            "cards": [
                {
                    "last4": c.last4,
                    "product": c.product,
                    "status": c.status,
                    "payment_due_date": c.payment_due_date.isoformat()
                    if c.payment_due_date
                    else None,
                    "statement_balance": c.statement_balance,
                    "minimum_payment": c.minimum_payment,
                }
                for c in customer.cards
            ],
            "applications": [
                {
                    "product": a.product,
                    "status": a.status,
                    "submitted_at": a.submitted_at.isoformat(),
                }
                for a in customer.applications
            ],
        }


class CallbackIn(BaseModel):
    sender_id: str = Field(max_length=128)
    customer_id: str | None = Field(default=None, max_length=32)
    phone: str = Field(max_length=32)
    preferred_time: str | None = Field(default=None, max_length=200)
    # The window the bot parsed from the customer's words (aware datetimes); the hub moves
    # it into call-back hours. Without it the hub parses `preferred_time` itself.
    window_start: datetime | None = None
    window_end: datetime | None = None
    language: Literal["vi", "en"] = "vi"
    conversation_id: DbIdField | None = None


def _bot_window(start: datetime, end: datetime | None) -> tuple[datetime, datetime]:
    """The window the bot parsed, checked (422 with the reason) and moved into call-back
    hours."""
    if start.tzinfo is None:
        raise HTTPException(422, "window_start needs a time zone offset.")
    try:
        end = end or start + timedelta(hours=1)
    except OverflowError:  # a start at the end of the calendar
        end = start
    checked = callbacks.checked_window(start, end)
    if checked is None:
        raise HTTPException(422, "The window must end after it starts, within a year.")
    return callbacks.business_hours(checked[0])


@router.post("/callbacks", response_model=CallbackOut)
async def create_callback(body: CallbackIn, core: CoreDep, db: DatabaseDep) -> dict[str, Any]:
    phone = callbacks.normalise_phone(body.phone)
    if phone is None:
        raise HTTPException(422, "That is not a valid Vietnamese phone number.")
    window = None
    if body.window_start is not None:
        window = _bot_window(body.window_start, body.window_end)
    async with db.session() as session:
        # Checked here so an unknown id is a clear 404, not a foreign-key failure.
        customer_id = body.customer_id or None  # "" from an action means "not known"
        if customer_id and await session.get(Customer, customer_id) is None:
            raise HTTPException(404, "No such customer.")
        if body.conversation_id and await session.get(Conversation, body.conversation_id) is None:
            raise HTTPException(404, "No such conversation.")
        cb = await callbacks.schedule(
            core,
            session,
            phone=phone,
            preferred_time=body.preferred_time,
            customer_id=customer_id,
            conversation_id=body.conversation_id,
            sender_id=body.sender_id,
            language=body.language,
            window=window,
        )
        return callback_json(cb)


class CallbackWindowIn(BaseModel):
    sender_id: str = Field(max_length=128)
    window_start: datetime
    window_end: datetime | None = None


@router.post("/callbacks/{callback_id}/window", response_model=CallbackOut)
async def move_callback(callback_id: DbId, body: CallbackWindowIn, core: CoreDep) -> dict[str, Any]:
    """The customer corrected the time of a call-back just booked: only a scheduled one of
    their own thread moves."""
    window = _bot_window(body.window_start, body.window_end)
    try:
        cb = await callbacks.move_window(core, callback_id, body.sender_id, window)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    return callback_json(cb)


class CallbacksOut(BaseModel):
    callbacks: list[CallbackOut]


@router.get("/callbacks", response_model=CallbacksOut)
async def list_callbacks(
    db: DatabaseDep,
    sender_id: str | None = None,
    customer_id: str | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    async with db.session() as session:
        rows = await callbacks.find(
            session, sender_id=sender_id, customer_id=customer_id, phone=phone
        )
        return {"callbacks": [callback_json(cb) for cb in rows]}
