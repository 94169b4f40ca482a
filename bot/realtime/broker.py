"""In-process publish/subscribe for websocket pushes.

The topics and the frames' shapes are declared in ``bot.realtime.events``; ``session:<id>`` (one
sign-in session's sockets: told when it ends) in ``bot.access.sessions``. Which panel
socket hears which topic is decided in ``bot.access.permissions``. The database stays the
source of truth; a subscriber that reconnects re-reads state over HTTP, so a dropped push
loses nothing.

``Broker`` serves one process (the embedded default). With several hub replicas,
``bot.realtime.redis_broker.RedisBroker`` keeps the same interface and fans every event out
through Redis, so a socket on one replica hears what another replica published.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class Broker:
    def __init__(self, max_queue: int = 1000) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._max_queue = max_queue

    def publish(self, topic: str, event: dict[str, Any]) -> int:
        """Queue an event for every subscriber of a topic; returns how many got it."""
        delivered = 0
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
                delivered += 1
            except asyncio.QueueFull:
                # A stuck client must not stall the hub; it resynchronises over HTTP.
                pass
        return delivered

    async def publish_confirmed(self, topic: str, event: dict[str, Any]) -> int:
        """Publish, and raise if the event could not be handed on (the outbox then retries)."""
        return self.publish(topic, event)

    async def start(self) -> None:
        """Nothing to connect to in one process."""

    async def close(self) -> None:
        """Nothing to disconnect in one process."""

    def status(self) -> str:
        return "local"

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._max_queue)
        for topic in topics:
            self._subscribers[topic].add(queue)
        try:
            yield queue
        finally:
            for topic in topics:
                self._subscribers[topic].discard(queue)
                if not self._subscribers[topic]:
                    self._subscribers.pop(topic, None)

    def add_topic(self, queue: asyncio.Queue[dict[str, Any]], topic: str) -> None:
        self._subscribers[topic].add(queue)

    def remove_topic(self, queue: asyncio.Queue[dict[str, Any]], topic: str) -> None:
        self._subscribers[topic].discard(queue)
