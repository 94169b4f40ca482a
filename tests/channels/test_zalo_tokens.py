"""Zalo's single-use refresh token: two hubs (two connection pools on one database) that
find the access token expired at the same moment refresh it once, and all of them then use
the new pair, which is kept in the database. Run on SQLite and on PostgreSQL, against the
local fake of Zalo's OAuth endpoint (which refuses a spent refresh token, as Zalo does)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.channels.zalo import refresh_pair
from bot.config.settings import Settings
from bot.pipeline.tokens import TokenPair, TokenStore
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import ChannelToken
from tests.channels.fake_platforms import ZALO_APP_ID, ZALO_APP_SECRET, FakeZaloApi


@pytest.fixture
def api() -> Iterator[FakeZaloApi]:
    # Slow refreshes: the second hub asks while the first one's refresh is in flight.
    server = FakeZaloApi(refresh_delay_s=0.5).start()
    yield server
    server.stop()


async def race(url: str, api: FakeZaloApi) -> None:
    await asyncio.to_thread(upgrade, url)
    settings = Settings(
        zalo_app_id=ZALO_APP_ID,
        zalo_app_secret=ZALO_APP_SECRET,
        zalo_oauth_base=api.base_url,
        database_url=url,
    )
    stale, first_refresh = api.access_token, api.refresh_token
    hubs = [Database(url), Database(url)]
    http = httpx.AsyncClient(timeout=30)

    async def refresher(token: str) -> TokenPair:
        return await refresh_pair(http, settings, token)

    stores = [TokenStore(db, "zalo", refresher, seed=(stale, first_refresh)) for db in hubs]
    try:
        assert await stores[0].current() == stale  # seeded from the settings
        api.expire_token()
        # Three senders on each hub meet the expired token together.
        tokens = await asyncio.gather(*(s.refresh(stale=stale) for s in stores for _ in range(3)))
        assert set(tokens) == {api.access_token}
        assert len(api.refreshes) == 1
        assert api.refreshes[0]["refresh_token"] == first_refresh
        async with hubs[1].session() as session:
            row = await session.get(ChannelToken, "zalo")
            assert row is not None
            assert (row.access_token, row.refresh_token) == (api.access_token, api.refresh_token)
            assert row.refreshes == 1 and row.refreshing_owner is None
        # A later expiry is refreshed again, with the pair that was kept.
        api.expire_token()
        newer = await stores[1].refresh(stale=tokens[0])
        assert newer == api.access_token and len(api.refreshes) == 2
        assert api.refreshes[1]["refresh_token"] != first_refresh
    finally:
        await http.aclose()
        for db in hubs:
            await db.dispose()


def test_refresh_races_once_on_sqlite(tmp_path: Path, api: FakeZaloApi) -> None:
    asyncio.run(race(f"sqlite:///{tmp_path / 'hub.db'}", api))


def test_refresh_races_once_on_postgres(postgres_url: str, api: FakeZaloApi) -> None:
    asyncio.run(race(postgres_url, api))
