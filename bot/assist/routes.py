"""Agent-assist API: customer profile, current assist, suggestion feedback, offer outcomes,
and the supervisors' and knowledge managers' reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from bot.access.auth import require_agent, require_editor, require_supervisor
from bot.access.deps import CoreDep, DatabaseDep, SettingsDep, optional_part_of, part_of
from bot.api.params import DbId, DbIdField
from bot.assist.live import AssistEngine
from bot.assist.profiles import profile_json
from bot.assist.schemas import KnowledgeGapsReportOut, OffersReportOut, ProfileOut
from bot.kb.privacy import customer_names, redact_many
from bot.store.models import Conversation, Message, OfferEvent, SuggestionEvent, User
from bot.store.times import iso, utc_now
from knowledge.crosssell import ConversationSignals

router = APIRouter(prefix="/api", tags=["assist"])
Agent = Annotated[User, Depends(require_agent)]
Editor = Annotated[User, Depends(require_editor)]
Supervisor = Annotated[User, Depends(require_supervisor)]

SuggestionEventName = Literal["shown", "inserted", "dismissed", "sent", "sent_edited"]
OfferOutcome = Literal["accepted", "declined", "not_relevant"]


# The engine ``bot.assist.install`` keeps on the application; routes elsewhere that only
# refresh an offer when the part is there take the optional one.
Engine = Annotated[AssistEngine, Depends(part_of("assist", AssistEngine))]
OptionalEngine = Annotated[AssistEngine | None, Depends(optional_part_of("assist", AssistEngine))]


@router.get("/customers/{customer_id}/profile", response_model=ProfileOut)
async def customer_profile(
    customer_id: str, engine: Engine, db: DatabaseDep, user: Agent
) -> dict[str, Any]:
    profile = await engine.profile(customer_id)
    if profile is None:
        raise HTTPException(404, "No such customer.")
    churn = bool(engine.rules().churn_reasons(profile, ConversationSignals(), utc_now()))
    async with db.session() as session:
        body = await profile_json(session, customer_id, churn_risk=churn)
    if body is None:
        raise HTTPException(404, "No such customer.")
    return body


class AssistOut(BaseModel):
    """What the assist pane shows for a conversation: the suggestions for its latest
    customer message and the offer decided for it (``offer`` None with the reason in
    ``suppressed`` when one may apply but is held back)."""

    conversation_id: int
    message_id: int | None
    suggestions: list[dict[str, Any]]
    offer: dict[str, Any] | None
    churn_risk: bool
    suppressed: str | None


@router.get("/conversations/{conv_id}/assist", response_model=AssistOut)
async def conversation_assist(conv_id: DbId, engine: Engine, user: Agent) -> dict[str, Any]:
    assist = await engine.current(conv_id)
    if assist is None:
        raise HTTPException(404, "No such conversation.")
    return {
        "conversation_id": conv_id,
        "message_id": assist.get("message_id"),
        "suggestions": assist.get("suggestions") or [],
        "offer": assist.get("offer"),
        "churn_risk": bool(assist.get("churn_risk")),
        "suppressed": assist.get("suppressed"),
    }


class FeedbackIn(BaseModel):
    conversation_id: DbIdField
    message_id: DbIdField | None = None
    entry_id: str = Field(min_length=1, max_length=128)
    rank: int = Field(ge=0, le=50)
    event: SuggestionEventName


class FeedbackOut(BaseModel):
    id: int
    conversation_id: int
    message_id: int | None
    entry_id: str
    rank: int
    event: str
    created_at: str | None


@router.post("/suggestions/feedback", response_model=FeedbackOut)
async def suggestion_feedback(
    body: FeedbackIn, engine: Engine, db: DatabaseDep, user: Agent
) -> dict[str, Any]:
    # Read before the session opens: SQLite's write lock is taken at BEGIN.
    score = await engine.score_of(body.conversation_id, body.entry_id)
    async with db.session() as session:
        if await session.get(Conversation, body.conversation_id) is None:
            raise HTTPException(404, "No such conversation.")
        if body.message_id is not None:
            msg = await session.get(Message, body.message_id)
            if msg is None or msg.conversation_id != body.conversation_id:
                raise HTTPException(422, "That message is not in this conversation.")
        if body.event == "shown":
            # A panel re-rendering (or two tabs) shows the same suggestion once per agent.
            seen = await session.scalar(
                select(SuggestionEvent).where(
                    SuggestionEvent.conversation_id == body.conversation_id,
                    SuggestionEvent.message_id.is_(None)
                    if body.message_id is None
                    else SuggestionEvent.message_id == body.message_id,
                    SuggestionEvent.entry_id == body.entry_id,
                    SuggestionEvent.agent_id == user.id,
                    SuggestionEvent.event == "shown",
                )
            )
            if seen is not None:
                await session.commit()
                return _feedback_json(seen)
        row = SuggestionEvent(
            conversation_id=body.conversation_id,
            message_id=body.message_id,
            entry_id=body.entry_id,
            rank=body.rank,
            score=score,
            event=body.event,
            agent_id=user.id,
        )
        session.add(row)
        await session.commit()
    return _feedback_json(row)


def _feedback_json(row: SuggestionEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "message_id": row.message_id,
        "entry_id": row.entry_id,
        "rank": row.rank,
        "event": row.event,
        "created_at": iso(row.created_at),
    }


class OutcomeIn(BaseModel):
    conversation_id: DbIdField
    rule_id: str = Field(min_length=1, max_length=64)
    offer_id: str = Field(min_length=1, max_length=64)
    outcome: OfferOutcome


class OutcomeOut(BaseModel):
    id: int
    conversation_id: int
    customer_id: str | None
    rule_id: str
    offer_id: str
    outcome: str
    created_at: str | None


@router.post("/offers/outcome", response_model=OutcomeOut)
async def offer_outcome(
    body: OutcomeIn, engine: Engine, core: CoreDep, db: DatabaseDep, user: Agent
) -> dict[str, Any]:
    async with db.session() as session:
        conv = await session.get(Conversation, body.conversation_id)
        if conv is None:
            raise HTTPException(404, "No such conversation.")
        row = OfferEvent(
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            rule_id=body.rule_id,
            offer_id=body.offer_id,
            outcome=body.outcome,
            agent_id=user.id,
        )
        session.add(row)
        await session.commit()
    # The declined offer now cools down and an accepted one is held: show what comes next.
    engine.forget_profile(row.customer_id)
    core.spawn(engine.refresh_offer(row.conversation_id))
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "customer_id": row.customer_id,
        "rule_id": row.rule_id,
        "offer_id": row.offer_id,
        "outcome": row.outcome,
        "created_at": iso(row.created_at),
    }


@router.get("/reports/offers", response_model=OffersReportOut)
async def offers_report(
    db: DatabaseDep,
    user: Supervisor,
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> dict[str, Any]:
    """Per rule: how often its offer was shown and what came of it.

    ``acceptance_rate`` is accepted / shown; an offer is counted as shown once per
    conversation, however many messages it stayed on screen for.
    """
    since = utc_now() - timedelta(days=days)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(OfferEvent.rule_id, OfferEvent.outcome, func.count())
                .where(OfferEvent.created_at >= since)
                .group_by(OfferEvent.rule_id, OfferEvent.outcome)
            )
        ).all()
    by_rule: dict[str, dict[str, Any]] = {}
    for rule_id, outcome, count in rows:
        item = by_rule.setdefault(
            rule_id,
            {"rule_id": rule_id, "shown": 0, "accepted": 0, "declined": 0, "not_relevant": 0},
        )
        item[outcome] = item.get(outcome, 0) + int(count)
    for item in by_rule.values():
        # Outcomes recorded without a push (an offer made from the profile view) still count.
        shown = max(item["shown"], item["accepted"] + item["declined"] + item["not_relevant"])
        item["shown"] = shown
        item["acceptance_rate"] = round(item["accepted"] / shown, 4) if shown else None
    return {"since": iso(since), "rules": sorted(by_rule.values(), key=lambda r: r["rule_id"])}


@router.get("/reports/knowledge-gaps", response_model=KnowledgeGapsReportOut)
async def knowledge_gaps(
    db: DatabaseDep,
    settings: SettingsDep,
    user: Editor,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Customer questions the knowledge base answered weakly: the top suggestion was not
    confident, or an agent dismissed it. The knowledge manager's to-do list."""
    threshold = float(settings.self_service_threshold)
    since = utc_now() - timedelta(days=days)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(SuggestionEvent, Message.text)
                .join(Message, Message.id == SuggestionEvent.message_id)
                .where(
                    SuggestionEvent.created_at >= since,
                    SuggestionEvent.rank == 0,
                    (SuggestionEvent.event == "dismissed")
                    | ((SuggestionEvent.event == "pushed") & (SuggestionEvent.score < threshold)),
                )
                .order_by(SuggestionEvent.id.desc())
                .limit(limit * 4)
            )
        ).all()
        names = await customer_names(session, (event.conversation_id for event, _ in rows))
    # Knowledge managers read this report: the customers' words are redacted and the
    # conversations they came from, which their role may not open, are not named.
    queries = iter(
        await redact_many([(text, names.get(e.conversation_id or 0, []), None) for e, text in rows])
    )
    gaps: dict[int, dict[str, Any]] = {}
    for event, _text in rows:
        assert event.message_id is not None
        query = next(queries)
        item = gaps.setdefault(
            event.message_id,
            {
                "message_id": event.message_id,
                "query": query,
                "top_entry_id": event.entry_id,
                "top_score": event.score,
                "weak": False,
                "dismissed": False,
                "at": iso(event.created_at),
            },
        )
        if event.event == "dismissed":
            item["dismissed"] = True
        else:
            item["weak"] = True
            item["top_score"] = event.score
    return {"threshold": threshold, "gaps": list(gaps.values())[:limit]}
