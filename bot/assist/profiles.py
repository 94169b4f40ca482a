"""Customer profiles for the agent panel and the cross-sell rules, read from the hub's tables."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Callback, Conversation, Customer, OfferEvent
from bot.store.serialize import callback_json
from bot.store.times import aware, iso, utc_now
from knowledge.crosssell import PastConversation, PastOffer, Profile


async def load_profile(session: AsyncSession, customer_id: str) -> Profile | None:
    """The rule engine's view of a customer: products, spend, tenure, past offers and history."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    offers = (
        await session.scalars(select(OfferEvent).where(OfferEvent.customer_id == customer_id))
    ).all()
    history = await _past_conversations(session, customer_id)
    return Profile(
        customer_id=customer.id,
        products=list(customer.products or []),
        spend=dict(customer.spend or {}),
        customer_since=customer.customer_since,
        segment=customer.segment,
        past_offers=[
            PastOffer(o.offer_id, o.rule_id, o.outcome, aware(o.created_at) or _epoch())
            for o in offers
        ],
        history=[
            PastConversation(
                aware(c.resolved_at or c.created_at) or _epoch(), c.resolution_code, c.csat
            )
            for c in history
            if c.resolved_at is not None or c.resolution_code is not None
        ],
    )


async def _past_conversations(session: AsyncSession, customer_id: str) -> list[Conversation]:
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.created_at.desc())
        .limit(50)
    )
    return list(rows.all())


def spend_view(spend: dict[str, Any]) -> dict[str, Any]:
    """Months in order, each category's amount per month, and each category's share."""
    months = sorted(spend)
    categories = sorted({cat for m in months for cat in (spend[m] or {})})
    series = {cat: [int((spend[m] or {}).get(cat, 0) or 0) for m in months] for cat in categories}
    total = sum(sum(v) for v in series.values())
    shares = {cat: (round(sum(v) / total, 4) if total else 0.0) for cat, v in series.items()}
    return {"months": months, "categories": series, "shares": shares}


async def profile_json(
    session: AsyncSession, customer_id: str, churn_risk: bool, today: date | None = None
) -> dict[str, Any] | None:
    """The panel's customer card (see the agent panel's profile view)."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    today = today or utc_now().date()
    history = await _past_conversations(session, customer_id)
    callbacks = (
        await session.scalars(
            select(Callback)
            .where(Callback.customer_id == customer_id, Callback.status == "scheduled")
            .order_by(Callback.window_start)
        )
    ).all()
    tenure = (today - customer.customer_since).days / 365.25 if customer.customer_since else 0.0
    return {
        "customer": {
            "id": customer.id,
            "name": customer.name,
            "segment": customer.segment,
            "tenure_years": round(tenure, 1),
            "language": customer.language,
            "products": list(customer.products or []),
            "phone": customer.phone,
        },
        "spend": spend_view(customer.spend or {}),
        "conversations": [
            {
                "id": c.id,
                "created_at": iso(c.created_at),
                "resolution_code": c.resolution_code,
                "csat": c.csat,
                "summary": (c.context or {}).get("summary") or "",
            }
            for c in history
        ],
        "callbacks": [callback_json(cb) for cb in callbacks],
        "csat": [
            {"at": iso(c.resolved_at or c.created_at), "score": c.csat}
            for c in sorted(history, key=lambda c: aware(c.created_at) or _epoch())
            if c.csat is not None
        ],
        "churn_risk": churn_risk,
    }


def _epoch() -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc)
