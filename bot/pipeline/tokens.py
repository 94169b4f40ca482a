"""A platform's access token, shared by every hub replica and refreshed once.

Zalo's refresh token is single-use: if two replicas refreshed with it at the same time, one
would get the new pair and the other an error, or worse, Zalo would take both and the pair
one of them stored would already be dead. So the refresh runs under a lease on the token's
row (``channel_tokens``): one conditional UPDATE takes it (on PostgreSQL the row lock
orders two such UPDATEs, on SQLite the write lock does), the holder calls the platform
with no transaction open, and writes the new pair. The others wait for the row to change.
A holder that dies loses its lease after ``lease_s``.

Usage:
    tokens = TokenStore(db, "zalo", refresher, seed=(access, refresh))
    token = await tokens.current()
    ... the platform says the token expired ...
    token = await tokens.refresh(stale=token)
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.models import ChannelToken
from bot.store.times import aware, utc_now

# Refresh a little before the platform's stated expiry, so no send meets a token that
# runs out on the way.
EARLY_S = 300.0


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in_s: float | None


Refresher = Callable[[str], Awaitable[TokenPair]]


class TokenUnavailable(Exception):
    """No token could be had now (no pair configured, or the refresh failed)."""


class TokenStore:
    def __init__(
        self,
        db: Database,
        channel: str,
        refresher: Refresher,
        *,
        seed: tuple[str, str] = ("", ""),
        lease_s: float = 30.0,
        wait_s: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.channel = channel
        self.refresher = refresher
        self.seed = seed
        self.lease_s = lease_s
        self.wait_s = wait_s
        self.clock = clock
        self.owner = f"tokens-{uuid.uuid4().hex[:12]}"

    async def _row(self) -> ChannelToken | None:
        async with self.db.session() as session:
            row = await session.get(ChannelToken, self.channel)
            await session.commit()
        return row

    async def _seeded(self) -> ChannelToken:
        row = await self._row()
        if row is not None:
            return row
        access, refresh = self.seed
        if not access and not refresh:
            raise TokenUnavailable(f"no {self.channel} token is configured")
        try:
            async with self.db.session() as session:
                # No expiry known for the configured pair: it is used until refused.
                session.add(
                    ChannelToken(
                        channel=self.channel,
                        access_token=access,
                        refresh_token=refresh,
                        expires_at=None,
                        refreshes=0,
                        updated_at=self.clock(),
                    )
                )
                await session.commit()
        except IntegrityError:
            pass  # another replica seeded it first: theirs is the same pair
        row = await self._row()
        assert row is not None
        return row

    async def current(self) -> str:
        """The access token to use now; refreshed first when it is about to run out."""
        row = await self._seeded()
        expires_at = aware(row.expires_at)
        if expires_at is not None and expires_at - timedelta(seconds=EARLY_S) <= self.clock():
            return await self.refresh(stale=row.access_token)
        return row.access_token

    async def refresh(self, stale: str) -> str:
        """A token other than ``stale``: refreshed here, or by whoever holds the lease."""
        await self._seeded()
        deadline = time.monotonic() + self.wait_s
        while time.monotonic() < deadline:
            refresh_token = await self._take_lease(stale)
            if refresh_token is not None:
                return await self._refresh_holding(refresh_token)
            row = await self._row()
            if row is not None and row.access_token != stale:
                return row.access_token  # refreshed by another replica meanwhile
            await asyncio.sleep(0.2)
        raise TokenUnavailable(f"the {self.channel} token refresh did not finish in time")

    async def _take_lease(self, stale: str) -> str | None:
        """The refresh token, when this process now holds the refresh lease; None when the
        token was refreshed already or another process is refreshing it."""
        now = self.clock()
        async with self.db.session() as session:
            taken = await session.execute(
                update(ChannelToken)
                .where(
                    ChannelToken.channel == self.channel,
                    ChannelToken.access_token == stale,
                    or_(
                        ChannelToken.refreshing_until.is_(None),
                        ChannelToken.refreshing_until < now,
                    ),
                )
                .values(
                    refreshing_owner=self.owner,
                    refreshing_until=now + timedelta(seconds=self.lease_s),
                )
                .execution_options(synchronize_session=False)
            )
            refresh_token = None
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                refresh_token = await session.scalar(
                    select(ChannelToken.refresh_token).where(ChannelToken.channel == self.channel)
                )
            await session.commit()
        return refresh_token

    async def _refresh_holding(self, refresh_token: str) -> str:
        try:
            pair = await self.refresher(refresh_token)  # no transaction open meanwhile
        except Exception as exc:
            await self._write(refreshing_owner=None, refreshing_until=None)
            raise TokenUnavailable(f"the {self.channel} token refresh failed: {exc}") from exc
        expires_at = (
            self.clock() + timedelta(seconds=pair.expires_in_s) if pair.expires_in_s else None
        )
        await self._write(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_at=expires_at,
            refreshing_owner=None,
            refreshing_until=None,
            refreshes=ChannelToken.refreshes + 1,
            updated_at=self.clock(),
        )
        return pair.access_token

    async def _write(self, **values: object) -> None:
        async with self.db.session() as session:
            await session.execute(
                update(ChannelToken)
                .where(
                    ChannelToken.channel == self.channel,
                    ChannelToken.refreshing_owner == self.owner,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
