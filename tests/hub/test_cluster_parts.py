"""The pieces several hub replicas share, each against the real engine: the Redis fan-out
(a real redis-server on a free port) and the job lease (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cluster import jobs
from bot.realtime.redis_broker import RedisBroker
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.support.needs import require
from tests.support.stack import free_port

REDIS = shutil.which("redis-server")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS is not None
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    require(
        REDIS is not None, "redis-server is not installed (scripts/test_services.sh installs it)"
    )
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
async def two_replicas(redis_server: RedisServer) -> AsyncIterator[tuple[RedisBroker, RedisBroker]]:
    a, b = RedisBroker(redis_server.url), RedisBroker(redis_server.url)
    await a.start()
    await b.start()
    await _until(lambda: a.status() == b.status() == "redis")
    yield a, b
    await a.close()
    await b.close()


async def _until(predicate: Any, timeout_s: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _next(queue: asyncio.Queue[dict[str, Any]], kind: str) -> dict[str, Any]:
    while True:
        event = await asyncio.wait_for(queue.get(), 20)
        if event.get("type") == kind:
            return event


async def test_an_event_published_on_one_replica_reaches_sockets_on_another(
    two_replicas: tuple[RedisBroker, RedisBroker],
) -> None:
    a, b = two_replicas
    async with a.subscribe("conv:7") as on_a, b.subscribe("conv:7") as on_b:
        a.publish("conv:7", {"type": "message", "text": "xin chào"})
        assert (await _next(on_b, "message"))["text"] == "xin chào"
        # Its own socket gets it at once, and once: the echo from Redis is skipped.
        assert (await _next(on_a, "message"))["text"] == "xin chào"
        await b.publish_confirmed("conv:7", {"type": "message", "text": "lần hai"})
        assert (await _next(on_a, "message"))["text"] == "lần hai"
        await asyncio.sleep(0.3)
        assert on_a.empty()
        assert (await _next(on_b, "message"))["text"] == "lần hai"


async def test_redis_lost_and_back(
    two_replicas: tuple[RedisBroker, RedisBroker], redis_server: RedisServer
) -> None:
    a, b = two_replicas
    async with b.subscribe("agents") as on_b:
        redis_server.kill()
        await _until(lambda: a.status() == "redis-down")
        # The outbox's delivery fails instead of counting as sent (it is retried).
        with pytest.raises((ConnectionError, asyncio.TimeoutError)):
            await a.publish_confirmed("agents", {"type": "message", "text": "mất"})
        redis_server.start()
        # Back: local sockets are told to re-read what they may have missed.
        await _next(on_b, "resync")
        await _until(lambda: a.status() == "redis")
        await a.publish_confirmed("agents", {"type": "message", "text": "lại"})
        assert (await _next(on_b, "message"))["text"] == "lại"


async def _lease_race(db: Database) -> None:
    assert await jobs.hold(db, "scheduler", "hub-1", lease_s=0.5)
    assert not await jobs.hold(db, "scheduler", "hub-2", lease_s=0.5)
    assert await jobs.hold(db, "scheduler", "hub-1", lease_s=0.5)  # renewed by its holder
    await asyncio.sleep(0.7)  # hub-1 stopped renewing (it died): the lease runs out
    assert await jobs.hold(db, "scheduler", "hub-2", lease_s=5)
    assert not await jobs.hold(db, "scheduler", "hub-1", lease_s=5)
    await jobs.release(db, "scheduler", "hub-2")
    assert await jobs.hold(db, "scheduler", "hub-1", lease_s=5)


async def test_job_lease_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        await _lease_race(db)
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_job_lease_on_postgres(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    db = Database(postgres_url)
    try:
        await _lease_race(db)
        # Many replicas asking at once: exactly one holds it.
        held = await asyncio.gather(
            *(jobs.hold(db, "surveys", f"hub-{i}", lease_s=5) for i in range(8))
        )
        assert sum(held) == 1
    finally:
        await db.dispose()
