"""Throttle on customers' identity checks, kept in the database so every hub replica counts
the same failures.

A check is counted in up to three scopes: the visitor (the conversation's channel thread,
e.g. a widget visitor or a Telegram chat), the client address, and the target customer (or
the phone number named, when it belongs to nobody). A new widget session is a new visitor,
so the address and the target are what stop an attacker who opens session after session.

Each check is charged as a failure *before* it runs (one conditional UPDATE per scope, in
one transaction), and given back if it succeeds. So parallel guesses cannot all slip
through between a "may I?" and a "that failed": once a scope is past its free failures,
every charge sets a wait, and the next guess is refused until it passes.

Per scope: a few free failures, then waits doubling from a base up to a cap, then after N
failures in the window a lockout that raises a supervisor alert. Rows nobody failed on for a
whole window are deleted on every write, so the table stays bounded.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access.lockout import Lockout
from bot.config.settings import Settings
from bot.store.db import Database
from bot.store.models import IdentityAttempt
from bot.store.times import aware, utc_now
from bot.store.upsert import insert_in

VISITOR = "visitor"
ADDRESS = "address"
CUSTOMER = "customer"
SCOPES = (VISITOR, ADDRESS, CUSTOMER)


class Refused(Exception):
    """A scope of this check is waiting out a delay or locked: nothing was checked."""

    def __init__(self, retry_after_s: float, locked: bool) -> None:
        self.retry_after = max(1, math.ceil(retry_after_s))
        self.locked = locked
        super().__init__(f"Too many failed identity checks. Try again in {self.retry_after} s.")


@dataclass(frozen=True)
class Scopes:
    """The keys one identity check is counted under (None: that scope does not apply)."""

    visitor: str | None
    address: str | None
    customer: str | None

    def keys(self) -> list[tuple[str, str]]:
        pairs = ((VISITOR, self.visitor), (ADDRESS, self.address), (CUSTOMER, self.customer))
        return [(scope, key[:200]) for scope, key in pairs if key]


def _free(settings: Settings, scope: str) -> int:
    if scope == ADDRESS:
        return settings.identity_address_free_failures
    return settings.identity_free_failures


def lockout_at(settings: Settings, scope: str) -> int:
    return {
        VISITOR: settings.identity_visitor_lockout_failures,
        ADDRESS: settings.identity_address_lockout_failures,
        CUSTOMER: settings.identity_customer_lockout_failures,
    }[scope]


def delay_after(settings: Settings, scope: str, failures: int) -> float:
    """Seconds to wait after this many failures: 0 while free, then base, 2 x base, ..."""
    free = _free(settings, scope)
    if failures <= free:
        return 0.0
    return min(
        settings.identity_base_delay_s * 2 ** (failures - free - 1), settings.identity_max_delay_s
    )


def mask(scope: str, key: str) -> str:
    """What a supervisor is shown of a key: enough to tell rows apart, not to reuse them.
    Customer ids are shown whole (supervisors see customers anyway)."""
    if scope == CUSTOMER and not key.startswith("tel:"):
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:6]
    if scope == ADDRESS:
        head = key.rsplit(".", 1)[0] if "." in key else key[: max(4, len(key) // 2)]
        return f"{head}.* #{digest}"
    if key.startswith("tel:"):
        return f"tel:…{key[-3:]} #{digest}"
    return f"{key[: min(16, len(key) // 2)]}… #{digest}"


def _pk(scope: str, key: str):  # type: ignore[no-untyped-def]
    return and_(IdentityAttempt.scope == scope, IdentityAttempt.key == key)


async def charge(
    db: Database, settings: Settings, scopes: Scopes, now: datetime | None = None
) -> None:
    """Count this check as a failure in every scope before it runs; raise Refused (and
    count nothing) when any scope is waiting or locked."""
    now = now or utc_now()
    keys = scopes.keys()
    cutoff = now - timedelta(seconds=settings.identity_window_s)
    async with db.session() as session:
        insert = insert_in(session)
        for scope, key in keys:
            await session.execute(
                insert(IdentityAttempt)
                .values(scope=scope, key=key, failures=0, window_start=now, next_allowed_at=now)
                .on_conflict_do_nothing(index_elements=["scope", "key"])
            )
        await session.commit()
        refused = False
        for scope, key in keys:
            stale = IdentityAttempt.window_start < cutoff
            result = await session.execute(
                update(IdentityAttempt)
                .where(
                    _pk(scope, key),
                    IdentityAttempt.next_allowed_at <= now,
                    or_(
                        IdentityAttempt.locked_until.is_(None), IdentityAttempt.locked_until <= now
                    ),
                )
                .values(
                    failures=case((stale, 1), else_=IdentityAttempt.failures + 1),
                    window_start=case((stale, now), else_=IdentityAttempt.window_start),
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                refused = True
                break
        if refused:
            await session.rollback()
            rows = await _rows(session, keys)
            locked = any((aware(r.locked_until) or now) > now for r in rows)
            raise Refused(max([_wait(r, now) for r in rows] + [1.0]), locked)
        for row in await _rows(session, keys):
            row.next_allowed_at = now + timedelta(
                seconds=delay_after(settings, row.scope, row.failures)
            )
        await session.commit()


def _wait(row: IdentityAttempt, now: datetime) -> float:
    until = [aware(row.next_allowed_at), aware(row.locked_until)]
    return max([(u - now).total_seconds() for u in until if u is not None] + [0.0])


async def _rows(session: AsyncSession, keys: list[tuple[str, str]]) -> list[IdentityAttempt]:
    if not keys:
        return []
    found = await session.scalars(
        select(IdentityAttempt)
        .where(or_(*(_pk(scope, key) for scope, key in keys)))
        .execution_options(populate_existing=True)
    )
    return list(found.all())


async def succeeded(
    db: Database, settings: Settings, scopes: Scopes, now: datetime | None = None
) -> None:
    """The check passed: give back its charge. The visitor's failures are forgiven; the
    address's and the target's earlier failures stay (a success there proves nothing)."""
    now = now or utc_now()
    async with db.session() as session:
        for row in await _rows(session, scopes.keys()):
            if row.scope == VISITOR:
                await session.delete(row)
                continue
            row.failures = max(0, row.failures - 1)
            row.next_allowed_at = min(
                aware(row.next_allowed_at) or now,
                now + timedelta(seconds=delay_after(settings, row.scope, row.failures)),
            )
        await session.commit()


async def failed(
    db: Database, settings: Settings, scopes: Scopes, now: datetime | None = None
) -> list[Lockout]:
    """The check failed (its charge stands): lock the scopes that reached their limit, and
    delete rows nobody failed on for a whole window. Returns the lockouts it starts."""
    now = now or utc_now()
    lockouts: list[Lockout] = []
    async with db.session() as session:
        for row in await _rows(session, scopes.keys()):
            locked = aware(row.locked_until)
            if row.failures >= lockout_at(settings, row.scope) and (
                locked is None or locked <= now
            ):
                row.locked_until = now + timedelta(seconds=settings.identity_lockout_s)
                lockouts.append(Lockout(row.scope, row.key, row.failures, row.locked_until))
        await purge(session, settings, now)
        await session.commit()
    return lockouts


async def purge(session: AsyncSession, settings: Settings, now: datetime | None = None) -> int:
    """Delete rows whose window, wait and lockout are all over (bounded state)."""
    now = now or utc_now()
    cutoff = now - timedelta(seconds=settings.identity_window_s)
    result = await session.execute(
        delete(IdentityAttempt)
        .where(
            IdentityAttempt.window_start < cutoff,
            IdentityAttempt.next_allowed_at < now,
            or_(IdentityAttempt.locked_until.is_(None), IdentityAttempt.locked_until < now),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def active_lockouts(
    session: AsyncSession, now: datetime | None = None
) -> list[IdentityAttempt]:
    now = now or utc_now()
    rows = await session.scalars(
        select(IdentityAttempt)
        .where(IdentityAttempt.locked_until > now)
        .order_by(IdentityAttempt.locked_until.desc())
        .limit(500)
    )
    return list(rows.all())


async def clear(session: AsyncSession, attempt_id: int) -> IdentityAttempt | None:
    """A supervisor lifts a lockout: the row and its failures go (returned for the record)."""
    row = await session.get(IdentityAttempt, attempt_id)
    if row is not None:
        await session.delete(row)
    return row
