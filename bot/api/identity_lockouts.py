"""Customers' identity lockouts for supervisors: who is locked now, and lifting a lockout
(recorded as a supervisor alert and in the log, naming who lifted it)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from pydantic import BaseModel

from bot.access import identity_throttle as identity
from bot.access.auth import require_supervisor
from bot.access.deps import BrokerDep, DatabaseDep
from bot.api.params import DbId
from bot.realtime import events
from bot.store.models import Alert, User
from bot.store.times import aware
from bot.wiring import Wiring

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/reports", tags=["reports"])
Supervisor = Annotated[User, Depends(require_supervisor)]


class LockoutOut(BaseModel):
    id: int
    scope: str
    key: str  # masked: enough to tell rows apart, not to reuse
    failures: int
    until: str
    customer_id: str | None


class LockoutsOut(BaseModel):
    lockouts: list[LockoutOut]


def _customer(row_scope: str, key: str) -> str | None:
    return key if row_scope == identity.CUSTOMER and not key.startswith("tel:") else None


@router.get("/identity-lockouts", response_model=LockoutsOut)
async def identity_lockouts(db: DatabaseDep, user: Supervisor) -> LockoutsOut:
    """Visitors, addresses and customers whose identity checks are locked right now."""
    async with db.reader() as session:
        rows = await identity.active_lockouts(session)
    return LockoutsOut(
        lockouts=[
            LockoutOut(
                id=row.id,
                scope=row.scope,
                key=identity.mask(row.scope, row.key),
                failures=row.failures,
                until=aware(row.locked_until).isoformat(),  # type: ignore[union-attr]
                customer_id=_customer(row.scope, row.key),
            )
            for row in rows
        ]
    )


class ClearedOut(BaseModel):
    cleared: int


@router.post("/identity-lockouts/{lockout_id}/clear", response_model=ClearedOut)
async def clear_identity_lockout(
    lockout_id: DbId, db: DatabaseDep, broker: BrokerDep, user: Supervisor
) -> ClearedOut:
    """Lift a lockout (e.g. the customer called and proved who they are)."""
    async with db.session() as session:
        row = await identity.clear(session, lockout_id)
        if row is None:
            raise HTTPException(404, "No such lockout.")
        text = (
            f"{user.username} lifted the identity lockout of {row.scope} "
            f"{identity.mask(row.scope, row.key)} ({row.failures} failures)."
        )
        session.add(Alert(kind="identity_unlock", audience="supervisor", text=text))
        await session.commit()
    log.warning("Identity lockout lifted: %s", text)
    frame = events.AlertFrame(type="alert", kind="identity_unlock", text=text)
    events.publish(broker, events.SUPERVISORS, frame)
    return ClearedOut(cleared=lockout_id)


def install(app: FastAPI, _: Wiring) -> None:
    app.include_router(router)
