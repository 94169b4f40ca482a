"""Supervisors' reads of the agent API: the staff alerts and the service metrics. Mounted
under /api by bot.api.agent, beside the routing API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from bot.access.auth import require_supervisor
from bot.access.deps import DatabaseDep
from bot.api.agent_schemas import AlertListOut, MetricsOut
from bot.api.params import Days
from bot.reporting.metrics import service_metrics
from bot.store.models import Alert, User

router = APIRouter(tags=["agent"])


@router.get("/alerts", response_model=AlertListOut)
async def list_alerts(db: DatabaseDep, user: User = Depends(require_supervisor)) -> dict[str, Any]:
    async with db.session() as session:
        rows = (await session.scalars(select(Alert).order_by(Alert.id.desc()).limit(200))).all()
    return {
        "alerts": [
            {
                "id": a.id,
                "kind": a.kind,
                "text": a.text,
                "conversation_id": a.conversation_id,
                "callback_id": a.callback_id,
                "created_at": a.created_at.isoformat(),
            }
            for a in rows
        ]
    }


@router.get("/metrics", response_model=MetricsOut)
async def metrics(
    db: DatabaseDep, days: Days = 30, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    """First response, response and handling times, CSAT and NPS over recent days."""
    async with db.session() as session:
        return await service_metrics(session, days)
