"""Sign-in throttling: failed attempts per account and per client address, kept in the
database so every hub process sees the same counts.

An account gets a few free failures, then each further attempt must wait twice as long as
the one before (up to a cap), then the account is locked for a window. Addresses get more
room (an office signs in from one address). Only one verification per account runs at a
time: the attempt claims the account's row before the password is checked, so parallel
guesses from many threads or processes queue up as 429s instead of burning CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, delete, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.serialize import aware
from bot.store.db import Database
from bot.store.models import SigninThrottle
from tandem.settings import Settings

ACCOUNT = "account"
ADDRESS = "address"
# How long a claimed account stays claimed if its process dies mid-check (a verification
# takes about a second, more while others queue for the hashing pool).
CLAIM_HOLD = timedelta(seconds=30)


class Throttled(Exception):
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after_s))
        super().__init__(f"Too many failed sign-ins. Try again in {self.retry_after} s.")


@dataclass(frozen=True)
class Attempt:
    account: str
    address: str

    def keys(self) -> list[tuple[str, str]]:
        return [(ACCOUNT, self.account), (ADDRESS, self.address)]


@dataclass(frozen=True)
class Lockout:
    """A row that has just reached its lockout: what supervisors are told."""

    scope: str
    key: str
    failures: int
    until: datetime


def account_key(username: str) -> str:
    return username.strip().lower()[:128]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _limits(settings: Settings, scope: str) -> tuple[int, int]:
    if scope == ACCOUNT:
        return settings.signin_free_failures, settings.signin_lockout_failures
    return settings.signin_address_free_failures, settings.signin_address_lockout_failures


def delay_after(settings: Settings, scope: str, failures: int) -> float:
    """Seconds to wait after the given number of failures (0 while they are free)."""
    free, _ = _limits(settings, scope)
    if failures < free:
        return 0.0
    return min(settings.signin_base_delay_s * 2 ** (failures - free), settings.signin_max_delay_s)


def wait_for(row: SigninThrottle, now: datetime) -> float:
    """Seconds until this account or address may try again (0: now)."""
    until = [aware(row.next_allowed_at), aware(row.locked_until)]
    return max([(u - now).total_seconds() for u in until if u is not None] + [0.0])


async def _ensure_rows(session: AsyncSession, attempt: Attempt, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for scope, key in attempt.keys():
        await session.execute(
            insert(SigninThrottle)
            .values(scope=scope, key=key, failures=0, window_start=now, next_allowed_at=now)
            .on_conflict_do_nothing()
        )


async def begin(db: Database, settings: Settings, attempt: Attempt) -> None:
    """Raise Throttled unless this attempt may check a password now; claims the account."""
    now = _now()
    async with db.session() as session:
        await _ensure_rows(session, attempt, now)
        await session.commit()
        rows = (
            await session.scalars(
                select(SigninThrottle).where(
                    tuple_(SigninThrottle.scope, SigninThrottle.key).in_(attempt.keys())
                )
            )
        ).all()
        wait = max([wait_for(row, now) for row in rows] + [0.0])
        if wait > 0:
            raise Throttled(wait)
        claimed = await session.execute(
            update(SigninThrottle)
            .where(
                SigninThrottle.scope == ACCOUNT,
                SigninThrottle.key == attempt.account,
                SigninThrottle.next_allowed_at <= now,
                or_(SigninThrottle.locked_until.is_(None), SigninThrottle.locked_until <= now),
                or_(SigninThrottle.claimed_until.is_(None), SigninThrottle.claimed_until <= now),
            )
            .values(claimed_until=now + CLAIM_HOLD)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        raise Throttled(1)  # another attempt on this account is being checked right now


async def succeeded(db: Database, attempt: Attempt) -> None:
    """The right password: the account's failures are forgiven (the address's are not)."""
    async with db.session() as session:
        await session.execute(
            delete(SigninThrottle)
            .where(SigninThrottle.scope == ACCOUNT, SigninThrottle.key == attempt.account)
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def failed(db: Database, settings: Settings, attempt: Attempt) -> list[Lockout]:
    """Count a failure on the account and the address; returns the lockouts it starts."""
    now = _now()
    cutoff = now - timedelta(seconds=settings.signin_window_s)
    lockouts: list[Lockout] = []
    async with db.session() as session:
        for scope, key in attempt.keys():
            pk = and_(SigninThrottle.scope == scope, SigninThrottle.key == key)
            stale = SigninThrottle.window_start < cutoff
            # One UPDATE, so concurrent failures from several processes all count.
            await session.execute(
                update(SigninThrottle)
                .where(pk)
                .values(
                    failures=case((stale, 1), else_=SigninThrottle.failures + 1),
                    window_start=case((stale, now), else_=SigninThrottle.window_start),
                )
                .execution_options(synchronize_session=False)
            )
            row = await session.scalar(
                select(SigninThrottle).where(pk).execution_options(populate_existing=True)
            )
            if row is None:
                continue
            _, lockout_at = _limits(settings, scope)
            row.claimed_until = None
            row.next_allowed_at = now + timedelta(
                seconds=delay_after(settings, scope, row.failures)
            )
            locked = aware(row.locked_until)
            if row.failures >= lockout_at and (locked is None or locked <= now):
                row.locked_until = now + timedelta(seconds=settings.signin_lockout_s)
                lockouts.append(Lockout(scope, key, row.failures, row.locked_until))
        # Forget rows nobody has failed on for a whole window, so guessed names do not pile up.
        await session.execute(
            delete(SigninThrottle)
            .where(
                SigninThrottle.window_start < cutoff,
                SigninThrottle.next_allowed_at < cutoff,
                or_(SigninThrottle.locked_until.is_(None), SigninThrottle.locked_until < now),
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return lockouts
