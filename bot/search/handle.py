"""The hub's one live knowledge index, loaded in the background at start-up so the hub
answers health checks at once; searches run in worker threads to keep the event loop free.

Searches have their own small pool (setting `search_workers`) instead of asyncio's shared
default one: a burst of suggestions then queues here without holding the threads the
hub's other blocking work needs, and vice versa. The embedding model serialises calls
anyway, so more workers would only wait on its lock. The pool's queue is ordered
(bot/search/queue.py): the bot's answers before agents' suggestions, and a suggestion
search that a newer turn replaced, or that waited too long, is dropped.

With several hub replicas (a Redis URL set), they share one index folder and one corpus
table. The replica where a knowledge manager's change is made saves it as a new index
version and announces the number on the realtime fan-out (topic ``knowledge``); every
other replica loads that saved version at once, without embedding anything. The service's
watcher also follows the folder's current version, in case an announcement was missed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from typing import Any

from bot.config.settings import Settings
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.search.queue import ANSWER, DROPPED, SUGGESTION, SearchQueue

log = logging.getLogger(__name__)


class KnowledgeHandle:
    def __init__(self, settings: Settings, broker: Broker | None = None) -> None:
        self.settings = settings
        self.broker = broker
        self.clustered = bool(settings.redis_url)
        self._follower: asyncio.Task[None] | None = None
        self.service: Any = None
        self.error: str | None = None
        self._task: asyncio.Task[None] | None = None
        # Told about every change the service makes live (the history recorder).
        self.listeners: list[Any] = []
        self._workers = max(1, settings.search_workers)
        self._niceness = settings.search_niceness
        self._queue: SearchQueue | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._load())
        if self.clustered and self.broker is not None:
            self._follower = asyncio.ensure_future(self._follow(self.broker))

    async def _follow(self, broker: Broker) -> None:
        """Load each version another replica announces (once our own index is up)."""
        async with broker.subscribe(events.KNOWLEDGE) as inbox:
            while True:
                event = await inbox.get()
                service = await self.get(wait_s=600.0)
                if service is None or event.get("type") != "knowledge_version":
                    continue
                try:
                    await asyncio.to_thread(service.follow, int(event["version"]))
                except Exception:  # the watcher catches up from the folder
                    log.exception("knowledge: could not load announced version")

    def _announce(self, loop: asyncio.AbstractEventLoop) -> Any:
        """A change listener (runs in the service's thread) that announces new versions."""
        broker = self.broker

        def listener(_changes: list[Any], meta: dict[str, Any]) -> None:
            if broker is None or meta.get("version") is None:
                return
            frame = events.KnowledgeVersionFrame(
                type="knowledge_version", version=int(meta["version"])
            )
            loop.call_soon_threadsafe(events.publish, broker, events.KNOWLEDGE, frame)

        return listener

    async def _load(self) -> None:
        from knowledge.service import KnowledgeService

        try:
            service = await asyncio.to_thread(KnowledgeService.from_settings, self.settings)
            await asyncio.to_thread(service.warm_up)
            service.listeners.extend(self.listeners)
            if self.clustered:
                service.follow_versions = True
                service.listeners.append(self._announce(asyncio.get_running_loop()))
            self.service = service
            self.service.start_watching()
            log.info("knowledge index ready")
        except Exception as exc:  # keep the hub up; FAQ answers report 503 with the reason
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("knowledge index failed to load")

    async def get(self, wait_s: float = 30.0) -> Any:
        if self.service is None and self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._task), wait_s)
            except asyncio.TimeoutError:
                return None
        return self.service

    async def search(
        self,
        query: str,
        lang: str | None,
        k: int = 3,
        *,
        suggestion: bool = False,
        conversation_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Top hits for a query. ``suggestion`` searches (for an agent's panel) wait
        behind the bot's answers and may be dropped (no hits) when a newer one of the same
        ``conversation_id`` comes or they wait too long."""
        service = await self.get()
        if service is None:
            return []
        priority = SUGGESTION if suggestion else ANSWER
        hits = await self._pool().run(
            service.search, query, lang, k, priority=priority, key=conversation_id
        )
        if hits is DROPPED:
            return []
        return [asdict(hit) for hit in hits]

    async def embed(self, texts: list[str]) -> Any:
        """Query vectors of ``texts`` (normalised rows), computed on the search threads
        behind the bot's answers like an agent's suggestions; None while the index loads or
        when the queue drops the job."""
        service = await self.get()
        if service is None or not texts:
            return None
        vectors = await self._pool().run(
            service.retriever.embedder.embed_queries, texts, priority=SUGGESTION
        )
        return None if vectors is DROPPED else vectors

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            self._follower = None
        if self.service is not None:
            self.service.stop_watching()
        if self._queue is not None:
            self._queue.close()
            self._queue = None

    def search_cpu(self) -> dict[str, float]:
        """CPU seconds spent in searches since the queue started: the bot's answers and
        agents' suggestions apart."""
        queue = self._queue
        if queue is None:
            return {"answer": 0.0, "suggestion": 0.0}
        return {
            "answer": round(queue.cpu_s[ANSWER], 3),
            "suggestion": round(queue.cpu_s[SUGGESTION], 3),
        }

    def _pool(self) -> SearchQueue:
        # Made on first use and again after stop(): an app whose lifespan runs twice (a test
        # client per test) keeps searching.
        if self._queue is None:
            self._queue = SearchQueue(
                self._workers,
                niceness=self._niceness,
                suggestion_max_age_s=self.settings.suggestion_search_max_age_s,
            )
        return self._queue
