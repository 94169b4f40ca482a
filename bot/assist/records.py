"""The live assist's writes for one turn, in the caller's transaction (the caller commits):
the saved assist state (``assist_states``) and the ``pushed`` feedback rows with a newly
shown offer. One customer message writes both in one transaction (``write_turn``, from
bot.assist.live)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables
from bot.store.models import AssistState, OfferEvent, SuggestionEvent
from bot.store.times import utc_now
from bot.store.upsert import insert_for

OfferKey = tuple[str, str]  # (rule id, offer id)
_STATE_COLUMNS = ("message_id", "suggestions", "offer", "topics", "updated_at")
_STATE_UPSERTS: dict[str, Any] = {}
_states = tables.assist_states
# The offer last recorded as shown in a conversation.
_SHOWN = select(_states.c.shown_rule_id, _states.c.shown_offer_id).where(
    _states.c.conversation_id == bindparam("conv_id")
)


def _state_upsert(dialect_name: str) -> Any:
    """The saved state's upsert, built once per dialect and run with the row as its
    parameters (built anew at every message before, and keyed anew by SQLAlchemy's
    compiled cache): the row is written unless a newer message's state is stored. It
    returns the row's shown offer (which it does not change); no row when not written."""
    stmt = _STATE_UPSERTS.get(dialect_name)
    if stmt is None:
        insert_ = insert_for(dialect_name)(_states)
        current, new = _states.c.message_id, insert_.excluded.message_id
        stmt = insert_.on_conflict_do_update(
            index_elements=[_states.c.conversation_id],
            set_={name: insert_.excluded[name] for name in _STATE_COLUMNS},
            where=current.is_(None) | (current <= func.coalesce(new, 0)),
        ).returning(_states.c.shown_rule_id, _states.c.shown_offer_id)
        _STATE_UPSERTS[dialect_name] = stmt
    return stmt


def _state_row(conv_id: int, assist: dict[str, Any], topics: list[str]) -> dict[str, Any]:
    return {
        "conversation_id": conv_id,
        "message_id": assist.get("message_id"),
        "suggestions": assist.get("suggestions") or [],
        "offer": _offer(assist),
        "topics": topics,
        "updated_at": utc_now(),
    }


def _offer(assist: dict[str, Any]) -> dict[str, Any]:
    return {k: assist.get(k) for k in ("offer", "churn_risk", "suppressed")}


def _key(row: Any) -> OfferKey | None:
    return (row[0], row[1]) if row is not None and row[0] and row[1] else None


async def write_state(
    session: AsyncSession,
    conv_id: int,
    assist: dict[str, Any],
    topics: list[str],
    offer_only: bool = False,
) -> None:
    """Store the latest assist; suggestions for an older message never replace newer.
    ``offer_only`` updates the offer of a stored state (and stores a whole one if none is)."""
    if offer_only:
        done = await session.execute(
            update(AssistState)
            .where(AssistState.conversation_id == conv_id)
            .values(offer=_offer(assist), updated_at=utc_now())
        )
        if done.rowcount:  # type: ignore[attr-defined]
            return
    upsert = _state_upsert(session.get_bind().dialect.name)
    (await session.execute(upsert, _state_row(conv_id, assist, topics))).all()


async def write_turn(
    session: AsyncSession,
    conv_id: int,
    customer_id: str | None,
    message_id: int,
    assist: dict[str, Any],
    topics: list[str],
    offer_event: dict[str, Any],
) -> None:
    """A customer message's record: the saved state (``write_state``), then the ``pushed``
    rows of its suggestions and the offer's ``shown`` row (``record_shown``) against the
    offer recorded as shown so far, which the state's write returns (or, when a newer
    message's state is stored and this one is not written, read after it): the assist's
    read before the search needs no look at the saved state."""
    upsert = _state_upsert(session.get_bind().dialect.name)
    row = (await session.execute(upsert, _state_row(conv_id, assist, topics))).first()
    if row is None:
        row = (await session.execute(_SHOWN, {"conv_id": conv_id})).first()
    suggestions = assist.get("suggestions") or []
    await record_shown(
        session, conv_id, customer_id, message_id, suggestions, offer_event, _key(row)
    )


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
