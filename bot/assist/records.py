"""The live assist's writes for one turn, in the caller's transaction (the caller commits):
the saved assist state (``assist_states``) and the ``pushed`` feedback rows with a newly
shown offer. One customer message writes both in one transaction (bot.assist.live)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AssistState, OfferEvent, SuggestionEvent
from bot.store.times import utc_now
from bot.store.upsert import insert_in

OfferKey = tuple[str, str]  # (rule id, offer id)


async def write_state(
    session: AsyncSession,
    conv_id: int,
    assist: dict[str, Any],
    topics: list[str],
    offer_only: bool = False,
) -> None:
    """Store the latest assist; suggestions for an older message never replace newer.
    ``offer_only`` updates the offer of a stored state (and stores a whole one if none is)."""
    offer = {k: assist.get(k) for k in ("offer", "churn_risk", "suppressed")}
    if offer_only:
        done = await session.execute(
            update(AssistState)
            .where(AssistState.conversation_id == conv_id)
            .values(offer=offer, updated_at=utc_now())
        )
        if done.rowcount:  # type: ignore[attr-defined]
            return
    message_id = assist.get("message_id")
    values = {
        "conversation_id": conv_id,
        "message_id": message_id,
        "suggestions": assist.get("suggestions") or [],
        "offer": offer,
        "topics": topics,
        "updated_at": utc_now(),
    }
    stmt = insert_in(session)(AssistState).values(**values)
    current = AssistState.message_id
    stmt = stmt.on_conflict_do_update(
        index_elements=[AssistState.conversation_id],
        set_={k: v for k, v in values.items() if k != "conversation_id"},
        where=current.is_(None) | (current <= (message_id or 0)),
    )
    await session.execute(stmt)


async def record_shown(
    session: AsyncSession,
    conv_id: int,
    customer_id: str | None,
    message_id: int,
    suggestions: list[dict[str, Any]],
    offer_event: dict[str, Any],
    shown_offer: OfferKey | None,
) -> OfferKey | None:
    """The ``pushed`` rows of the suggestions, and the offer's ``shown`` row when it is not
    the one shown last (``shown_offer``); returns the offer now shown, if it changed."""
    offer: dict[str, Any] | None = offer_event.get("offer")
    key = (offer["rule_id"], offer["offer_id"]) if offer is not None else None
    for s in suggestions:
        session.add(
            SuggestionEvent(
                conversation_id=conv_id,
                message_id=message_id,
                entry_id=s["entry_id"],
                rank=s["rank"],
                score=s["score"],
                # What the hub pushed; the panel records "shown", per agent, when it
                # displays them (bot/panel/static/assist.js).
                event="pushed",
            )
        )
    if key is None or key == shown_offer:
        return None
    session.add(
        OfferEvent(
            conversation_id=conv_id,
            customer_id=customer_id,
            rule_id=key[0],
            offer_id=key[1],
            outcome="shown",
        )
    )
    await session.execute(
        update(AssistState)
        .where(AssistState.conversation_id == conv_id)
        .values(shown_rule_id=key[0], shown_offer_id=key[1])
    )
    return key
