"""Sign-in throttling: failed attempts per (account, address), per address, and per account
over all addresses, kept in the database so every hub process sees the same counts.

- **An account from one address** (scope ``pair``) gets a few free failures, then each
  further attempt must wait twice as long as the one before (up to a cap), then it is
  locked for a window. Someone guessing from elsewhere slows and locks only themselves: the
  account's owner still signs in from her own address.
- **An address** gets more room (an office signs in from one address), then the same.
  Every attempt is counted on its address *before* a password is checked (and given back
  if it succeeds), so a burst of parallel guesses stops at the address's limit. That also
  bounds what one address can make the database hold: at most
  ``signin_address_lockout_failures`` rows per window, whatever names it sprays, and
  nothing at all while it is throttled. Every row expires with its window.
- **An account over all addresses** (scope ``account``) is locked only by a clear attack:
  ``signin_global_lockout_failures`` failures, far more than one address may make, so only
  many addresses together reach it.

Unknown usernames are counted exactly like real ones (the same rows, delays and answers),
so throttling reveals nothing about which accounts exist. Only one verification per
(account, address) runs at a time: the attempt claims its row before the password is
checked, so parallel guesses queue up as 429s instead of burning CPU.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access.lockout import Lockout
from bot.config.settings import Settings
from bot.store.db import Database
from bot.store.models import SigninThrottle
from bot.store.times import aware, utc_now
from bot.store.upsert import insert_in

PAIR = "pair"
ADDRESS = "address"
ACCOUNT = "account"
# How long a claimed row stays claimed if its process dies mid-check (a verification
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

    @property
    def pair(self) -> str:
        # A digest: fits the key column whatever the lengths, and keeps no plain
        # username-address pairs in the table.
        return hashlib.sha256(f"{self.account}\0{self.address}".encode()).hexdigest()

    def keys(self) -> list[tuple[str, str]]:
        return [(PAIR, self.pair), (ADDRESS, self.address), (ACCOUNT, self.account)]


def describe(lock: Lockout, attempt: Attempt) -> str:
    """Whom a sign-in lockout locks out, for the supervisors' alert."""
    if lock.scope == PAIR:
        return f"account {attempt.account!r} from address {attempt.address!r}"
    if lock.scope == ADDRESS:
        return f"address {lock.key!r}"
    return f"account {lock.key!r} from many addresses"


def account_key(username: str) -> str:
    return username.strip().lower()[:128]


def _limits(settings: Settings, scope: str) -> tuple[int, int]:
    if scope == PAIR:
        return settings.signin_free_failures, settings.signin_lockout_failures
    if scope == ADDRESS:
        return settings.signin_address_free_failures, settings.signin_address_lockout_failures
    # Over all addresses: no delays (they would slow the owner too), only the lockout.
    return settings.signin_global_lockout_failures, settings.signin_global_lockout_failures


def delay_after(settings: Settings, scope: str, failures: int) -> float:
    """Seconds to wait after the given number of failures (0 while they are free)."""
    free, _ = _limits(settings, scope)
    if failures < free:
        return 0.0
    return min(settings.signin_base_delay_s * 2 ** (failures - free), settings.signin_max_delay_s)


def wait_for(row: SigninThrottle, now: datetime) -> float:
    """Seconds until this key may try again (0: now)."""
    until = [aware(row.next_allowed_at), aware(row.locked_until)]
    return max([(u - now).total_seconds() for u in until if u is not None] + [0.0])


async def _ensure_row(session: AsyncSession, scope: str, key: str, now: datetime) -> None:
    await session.execute(
        insert_in(session)(SigninThrottle)
        .values(scope=scope, key=key, failures=0, window_start=now, next_allowed_at=now)
        .on_conflict_do_nothing()
    )


def _pk(scope: str, key: str) -> Any:
    return and_(SigninThrottle.scope == scope, SigninThrottle.key == key)


def _count_one(scope: str, key: str, now: datetime, cutoff: datetime) -> Any:
    """One more failure on a row, in one UPDATE so concurrent processes all count; a row
    whose window has passed starts again at 1."""
    stale = SigninThrottle.window_start < cutoff
    return (
        update(SigninThrottle)
        .where(_pk(scope, key))
        .values(
            failures=case((stale, 1), else_=SigninThrottle.failures + 1),
            window_start=case((stale, now), else_=SigninThrottle.window_start),
        )
        .execution_options(synchronize_session=False)
    )


async def begin(db: Database, settings: Settings, attempt: Attempt) -> None:
    """Raise Throttled unless this attempt may check a password now; counts it on its
    address and claims its (account, address) row."""
    now = utc_now()
    cutoff = now - timedelta(seconds=settings.signin_window_s)
    async with db.session() as session:
        # Read first, write nothing: a throttled attempt leaves no trace (a sprayer that is
        # refused does not make the table grow).
        rows = (
            await session.scalars(
                select(SigninThrottle).where(
                    tuple_(SigninThrottle.scope, SigninThrottle.key).in_(attempt.keys())
                )
            )
        ).all()
        wait = max([wait_for(row, now) for row in rows] + [0.0])
        if wait > 0:
            await session.rollback()
            raise Throttled(wait)
        # Counted on the address before the check, in one conditional UPDATE, so parallel
        # attempts from one address cannot get past its limit; given back on success.
        _, address_lockout = _limits(settings, ADDRESS)
        await _ensure_row(session, ADDRESS, attempt.address, now)
        stale = SigninThrottle.window_start < cutoff
        counted = await session.execute(
            _count_one(ADDRESS, attempt.address, now, cutoff).where(
                or_(stale, SigninThrottle.failures < address_lockout)
            )
        )
        if counted.rowcount == 0:  # type: ignore[attr-defined]
            await session.rollback()
            raise Throttled(1)  # its last allowed attempts are being checked right now
        await _ensure_row(session, PAIR, attempt.pair, now)
        claimed = await session.execute(
            update(SigninThrottle)
            .where(
                _pk(PAIR, attempt.pair),
                SigninThrottle.next_allowed_at <= now,
                or_(SigninThrottle.locked_until.is_(None), SigninThrottle.locked_until <= now),
                or_(SigninThrottle.claimed_until.is_(None), SigninThrottle.claimed_until <= now),
            )
            .values(claimed_until=now + CLAIM_HOLD)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 0:  # type: ignore[attr-defined]
            # Another attempt on this account from this address is being checked right now:
            # nothing of this one is kept.
            await session.rollback()
            raise Throttled(1)
        await session.commit()


async def succeeded(db: Database, attempt: Attempt) -> None:
    """The right password: the failures of this account from this address are forgiven,
    and the attempt counted on the address is given back (its earlier failures stay)."""
    async with db.session() as session:
        await session.execute(
            delete(SigninThrottle)
            .where(_pk(PAIR, attempt.pair))
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(SigninThrottle)
            .where(_pk(ADDRESS, attempt.address), SigninThrottle.failures > 0)
            .values(failures=SigninThrottle.failures - 1)
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def failed(db: Database, settings: Settings, attempt: Attempt) -> list[Lockout]:
    """Count a failure on the (account, address) pair and on the account over all
    addresses (the address counted it already); returns the lockouts it starts."""
    now = utc_now()
    cutoff = now - timedelta(seconds=settings.signin_window_s)
    lockouts: list[Lockout] = []
    async with db.session() as session:
        await _ensure_row(session, ACCOUNT, attempt.account, now)
        for scope, key in attempt.keys():
            if scope != ADDRESS:
                await session.execute(_count_one(scope, key, now, cutoff))
            row = await session.scalar(
                select(SigninThrottle)
                .where(_pk(scope, key))
                .execution_options(populate_existing=True)
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
