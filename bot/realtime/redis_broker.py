"""Realtime fan-out across hub replicas through Redis pub/sub.

Every replica publishes its events on one Redis channel and listens to it. A replica
delivers its own events to its local sockets at once (no round trip) and skips their echo;
events from other replicas are delivered when they arrive. So a customer's widget on one
replica and the agent's panel on another see the same conversation live.

Pub/sub is fire-and-forget: an event published while a replica is cut off from Redis is
not replayed. The database stays the source of truth, as with the in-process broker:
- the outbox delivers widget messages with ``publish_confirmed``, which raises when Redis
  did not take the event, so the row is retried instead of marked delivered;
- when a replica gets Redis back after losing it, it tells its own sockets
  ``{"type": "resync"}``, and the widget and the panel re-read over HTTP what they may
  have missed (as they do after a reconnect).

One channel for all topics keeps the subscription fixed (no subscribe/unsubscribe per
socket); every replica then reads every event, which is cheap at contact-centre rates
(docs/benchmarks.md, "Cluster").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from bot.realtime import events
from bot.realtime.broker import Broker

log = logging.getLogger(__name__)

CHANNEL = "tandem:events"
RETRY_S = 0.5  # first reconnect delay; doubles up to RETRY_MAX_S
RETRY_MAX_S = 5.0
PUBLISH_TIMEOUT_S = 5.0
OUTGOING_MAX = 10_000  # events waiting for Redis; beyond this they are dropped (logged)


class RedisBroker(Broker):
    def __init__(self, url: str, max_queue: int = 1000) -> None:
        super().__init__(max_queue)
        self.url = url
        self.origin = uuid.uuid4().hex
        self._outgoing: asyncio.Queue[tuple[str, asyncio.Future[None] | None]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client: Any = None
        self._connected = False
        self._dropped = 0

    # ---- publishing ----------------------------------------------------------------
    def publish(self, topic: str, event: dict[str, Any]) -> int:
        delivered = super().publish(topic, event)
        self._enqueue(topic, event, None)
        return delivered

    async def publish_confirmed(self, topic: str, event: dict[str, Any]) -> int:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        delivered = super().publish(topic, event)
        if not self._enqueue(topic, event, done):
            raise ConnectionError("realtime fan-out is backed up")
        await asyncio.wait_for(done, PUBLISH_TIMEOUT_S)
        return delivered

    def _enqueue(
        self, topic: str, event: dict[str, Any], done: asyncio.Future[None] | None
    ) -> bool:
        if self._outgoing is None:  # not started (a unit test's hub): local delivery only
            if done is not None:
                done.set_result(None)
            return True
        payload = json.dumps({"o": self.origin, "t": topic, "e": event}, default=str)
        try:
            self._outgoing.put_nowait((payload, done))
            return True
        except asyncio.QueueFull:
            self._dropped += 1
            if self._dropped % 1000 == 1:
                log.warning("realtime: Redis is not keeping up; %d events dropped", self._dropped)
            return False

    async def _send_loop(self) -> None:
        """Publish in order; a batch waiting in the queue goes out in one pipeline."""
        assert self._outgoing is not None
        delay = RETRY_S
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty() and len(batch) < 500:
                batch.append(self._outgoing.get_nowait())
            try:
                pipe = self._client.pipeline(transaction=False)
                for payload, _ in batch:
                    pipe.publish(CHANNEL, payload)
                await pipe.execute()
                delay = RETRY_S
                for _, done in batch:
                    if done is not None and not done.done():
                        done.set_result(None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down: these events are lost to other replicas
                log.warning("realtime: publish to Redis failed (%s)", exc)
                for _, done in batch:
                    if done is not None and not done.done():
                        done.set_exception(ConnectionError(str(exc)))
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    # ---- receiving -----------------------------------------------------------------
    async def _receive_loop(self) -> None:
        delay = RETRY_S
        lost = False
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                self._connected = True
                delay = RETRY_S
                log.info("realtime: listening on Redis")
                if lost:
                    lost = False
                    self._resync()
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        self._deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._connected:
                    log.warning("realtime: lost Redis (%s); reconnecting", exc)
                self._connected = False
                lost = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _resync(self) -> None:
        """Events from other replicas may have been missed: every local socket re-reads."""
        for topic in list(self._subscribers):
            Broker.publish(self, topic, dict(events.ResyncFrame(type="resync")))

    def _deliver(self, raw: bytes | str) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            return
        if data.get("o") == self.origin:
            return  # ours: already delivered locally
        Broker.publish(self, str(data.get("t")), data.get("e") or {})

    # ---- life ----------------------------------------------------------------------
    async def start(self) -> None:
        from redis import asyncio as aioredis

        self._client = aioredis.from_url(
            self.url, socket_connect_timeout=2, socket_timeout=None, health_check_interval=10
        )
        self._outgoing = asyncio.Queue(OUTGOING_MAX)
        self._tasks = [
            asyncio.create_task(self._send_loop()),
            asyncio.create_task(self._receive_loop()),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._outgoing = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None

    def status(self) -> str:
        return "redis" if self._connected else "redis-down"
