"""Read-only reporting API for the panel and for BI tools: figures of a period, breakdowns,
daily series, the live wall, and an agent's own ratings; each table also as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, create_model
from sqlalchemy import select

from bot.access.auth import require_agent, require_supervisor
from bot.access.deps import DatabaseDep, SettingsDep
from bot.api.params import MAX_DB_ID
from bot.reporting import live, queries
from bot.reporting.models import ReportingConversation as RC
from bot.reporting.recorder import aware
from bot.store.db import Database
from bot.store.models import User
from chattext.spreadsheet import csv_text

# One agent's figures; bounded so an absurd id is a 422, not a database error.
AgentIdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]
router = APIRouter(prefix="/api/reports", tags=["reports"])
Supervisor = Annotated[User, Depends(require_supervisor)]
AgentUser = Annotated[User, Depends(require_agent)]
RangeName = Literal["today", "7d", "30d", "custom"]
Dimension = Literal["agent", "channel", "language", "reason", "intent", "hour"]

FIGURE_KEYS = tuple(queries.compute({}, {}))
# One field per figure; formulas in docs/metrics.md.
Figures = create_model(  # type: ignore[call-overload]
    "Figures", **{k: (int | float | None, None) for k in FIGURE_KEYS}
)


class PeriodOut(BaseModel):
    range: str
    start: date
    end: date


class SummaryOut(BaseModel):
    period: PeriodOut
    figures: Figures  # type: ignore[valid-type]


class BreakdownRow(BaseModel):
    key: str
    label: str
    figures: Figures  # type: ignore[valid-type]


class BreakdownOut(BaseModel):
    period: PeriodOut
    by: str
    rows: list[BreakdownRow]


class SeriesPoint(BaseModel):
    day: date
    figures: Figures  # type: ignore[valid-type]


class SeriesOut(BaseModel):
    period: PeriodOut
    points: list[SeriesPoint]


class LiveAgent(BaseModel):
    id: int
    name: str
    role: str
    status: Literal["available", "busy", "away", "offline"]
    open: int


class Breach(BaseModel):
    kind: Literal["wait", "service_level", "unacknowledged", "reply", "callback_overdue"]
    conversation_id: int | None
    seconds: int
    # A service-level breach: the conversation's class and its target wait (routing).
    priority: Literal["urgent", "high", "normal"] | None = None
    target_s: int | None = None


class LiveChannel(BaseModel):
    channel: str
    waiting: int
    assigned: int
    longest_wait_s: int


class LiveOut(BaseModel):
    at: str
    channels: list[LiveChannel]
    agents: list[LiveAgent]
    agents_available: int
    agents_busy: int
    agents_away: int
    queue_length: int
    longest_wait_s: int
    breaches: list[Breach]


class Rating(BaseModel):
    conversation_id: int
    agent_id: int | None
    agent: str | None
    csat: int | None
    nps: int | None
    comment: str | None
    at: str | None


class RatingsOut(BaseModel):
    ratings: list[Rating]


class MineOut(BaseModel):
    agent: str
    period: PeriodOut
    figures: Figures  # type: ignore[valid-type]
    points: list[SeriesPoint]
    ratings: list[Rating]


def _period(
    range: RangeName = "7d", start: date | None = None, end: date | None = None
) -> tuple[str, queries.Period]:
    try:
        return range, queries.period(range, start, end)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


PeriodDep = Annotated[tuple[str, queries.Period], Depends(_period)]


def _period_out(dep: tuple[str, queries.Period]) -> PeriodOut:
    return PeriodOut(range=dep[0], start=dep[1].start, end=dep[1].end)


async def _names(session: Any) -> dict[str, str]:
    rows = (await session.execute(select(User.id, User.display_name))).all()
    return {str(i): name for i, name in rows}


def _label(by: str, key: str, names: dict[str, str]) -> str:
    if by == "agent":
        return names.get(key, f"#{key}")
    if by == "hour":
        return f"{key}:00"
    return key


async def _summary(db: Database, dep: tuple[str, queries.Period]) -> SummaryOut:
    async with db.session() as session:
        rows = await queries.figures(session, dep[1])
    return SummaryOut(period=_period_out(dep), figures=rows.get("", queries.compute({}, {})))


async def _breakdown(db: Database, dep: tuple[str, queries.Period], by: str) -> BreakdownOut:
    async with db.session() as session:
        rows = await queries.figures(session, dep[1], by)
        names = await _names(session) if by == "agent" else {}
    return BreakdownOut(
        period=_period_out(dep),
        by=by,
        rows=[BreakdownRow(key=k, label=_label(by, k, names), figures=v) for k, v in rows.items()],
    )


async def _series(db: Database, dep: tuple[str, queries.Period], agent_id: int | None) -> SeriesOut:
    dim, value = ("agent", str(agent_id)) if agent_id is not None else ("all", "")
    async with db.session() as session:
        points = await queries.series(session, dep[1], dim, value)
    return SeriesOut(
        period=_period_out(dep), points=[SeriesPoint(day=d, figures=f) for d, f in points]
    )


async def _ratings(db: Database, agent_id: int | None, limit: int = 100) -> list[Rating]:
    async with db.session() as session:
        query = (
            select(RC)
            .where((RC.csat.is_not(None)) | (RC.nps.is_not(None)) | (RC.comment.is_not(None)))
            .order_by(RC.csat_at.desc(), RC.conversation_id.desc())
            .limit(limit)
        )
        if agent_id is not None:
            query = query.where(RC.agent_id == agent_id)
        rows = (await session.scalars(query)).all()
        names = await _names(session)
    return [
        Rating(
            conversation_id=r.conversation_id,
            agent_id=r.agent_id,
            agent=names.get(str(r.agent_id)) if r.agent_id is not None else None,
            csat=r.csat,
            nps=r.nps,
            comment=r.comment,
            at=(aware(r.csat_at or r.nps_at) or None) and aware(r.csat_at or r.nps_at).isoformat(),  # type: ignore[union-attr]
        )
        for r in rows
    ]


@router.get("/summary", response_model=SummaryOut)
async def summary(db: DatabaseDep, user: Supervisor, dep: PeriodDep) -> SummaryOut:
    """Every figure for the period."""
    return await _summary(db, dep)


@router.get("/breakdown", response_model=BreakdownOut)
async def breakdown(
    db: DatabaseDep, user: Supervisor, dep: PeriodDep, by: Dimension = "agent"
) -> BreakdownOut:
    """Every figure per agent, channel, language, hand-off reason, topic intent or local
    hour of day."""
    return await _breakdown(db, dep, by)


@router.get("/series", response_model=SeriesOut)
async def series(
    db: DatabaseDep, user: Supervisor, dep: PeriodDep, agent_id: AgentIdQuery = None
) -> SeriesOut:
    """Every figure per local day of the period (one agent's, when agent_id is given)."""
    return await _series(db, dep, agent_id)


@router.get("/live", response_model=LiveOut)
async def live_wall(db: DatabaseDep, settings: SettingsDep, user: Supervisor) -> dict[str, Any]:
    """Agents available, busy and away; the queue now; service-level breaches now."""
    async with db.session() as session:
        return await live.wall(session, settings)


@router.get("/ratings", response_model=RatingsOut)
async def ratings(db: DatabaseDep, user: Supervisor, agent_id: AgentIdQuery = None) -> RatingsOut:
    """Recent survey answers and comments, newest first (one agent's, when given)."""
    return RatingsOut(ratings=await _ratings(db, agent_id))


@router.get("/me", response_model=MineOut)
async def mine(db: DatabaseDep, user: AgentUser, dep: PeriodDep) -> MineOut:
    """The signed-in agent's own figures, daily trend, ratings and comments."""
    key = str(user.id)
    async with db.session() as session:
        rows = await queries.figures(session, dep[1], "agent", key)
        points = await queries.series(session, dep[1], "agent", key)
    return MineOut(
        agent=user.display_name,
        period=_period_out(dep),
        figures=rows.get(key, queries.compute({}, {})),
        points=[SeriesPoint(day=d, figures=f) for d, f in points],
        ratings=await _ratings(db, user.id, 50),
    )


# -- CSV: the same tables, for spreadsheets ------------------------------------------------
def _csv(name: str, header: list[str], rows: list[list[Any]]) -> Response:
    # chattext.spreadsheet makes formula-like cells inert and adds the BOM Excel needs.
    return Response(
        csv_text(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/summary.csv", response_class=Response)
async def summary_csv(db: DatabaseDep, user: Supervisor, dep: PeriodDep) -> Response:
    out = await _summary(db, dep)
    figures = out.figures.model_dump()  # type: ignore[attr-defined]
    return _csv("summary", ["figure", "value"], [[k, figures[k]] for k in FIGURE_KEYS])


@router.get("/breakdown.csv", response_class=Response)
async def breakdown_csv(
    db: DatabaseDep, user: Supervisor, dep: PeriodDep, by: Dimension = "agent"
) -> Response:
    out = await _breakdown(db, dep, by)
    rows = [[r.key, r.label, *r.figures.model_dump().values()] for r in out.rows]  # type: ignore[attr-defined]
    return _csv(f"breakdown-{by}", [by, "label", *FIGURE_KEYS], rows)


@router.get("/series.csv", response_class=Response)
async def series_csv(
    db: DatabaseDep, user: Supervisor, dep: PeriodDep, agent_id: AgentIdQuery = None
) -> Response:
    out = await _series(db, dep, agent_id)
    rows = [[p.day.isoformat(), *p.figures.model_dump().values()] for p in out.points]  # type: ignore[attr-defined]
    return _csv("series", ["day", *FIGURE_KEYS], rows)


@router.get("/live.csv", response_class=Response)
async def live_csv(db: DatabaseDep, settings: SettingsDep, user: Supervisor) -> Response:
    async with db.session() as session:
        wall = await live.wall(session, settings)
    rows = [["agent", a["name"], a["status"], a["open"]] for a in wall["agents"]]
    rows += [["breach", b["kind"], b["conversation_id"], b["seconds"]] for b in wall["breaches"]]
    rows += [["channel", c["channel"], c["waiting"], c["longest_wait_s"]] for c in wall["channels"]]
    return _csv("live", ["row", "name_or_kind", "status_or_conversation", "open_or_seconds"], rows)


@router.get("/ratings.csv", response_class=Response)
async def ratings_csv(db: DatabaseDep, user: Supervisor, agent_id: AgentIdQuery = None) -> Response:
    items = await _ratings(db, agent_id, 1000)
    header = ["conversation_id", "agent_id", "agent", "csat", "nps", "comment", "at"]
    return _csv("ratings", header, [[getattr(r, h) for h in header] for r in items])


@router.get("/me.csv", response_class=Response)
async def mine_csv(db: DatabaseDep, user: AgentUser, dep: PeriodDep) -> Response:
    out = await mine(db, user, dep)
    rows = [[p.day.isoformat(), *p.figures.model_dump().values()] for p in out.points]  # type: ignore[attr-defined]
    return _csv("my-figures", ["day", *FIGURE_KEYS], rows)
