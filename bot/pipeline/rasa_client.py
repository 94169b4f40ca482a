"""Talks to the Rasa server through its REST channel, as production deployments do.

A busy bot is not a dead bot:
- at most ``concurrency`` requests are in flight; the rest wait their turn in front of a
  gate (Rasa answers one message at a time per core: it saturated at about 5 messages/s
  on a 2-core machine, so piling more requests on it only makes all slower);
- the turn is by estimated cost, not arrival alone (`CostGate`): a long message costs Rasa
  more, so it waits as if it had arrived later, and a burst of long messages from a flood
  cannot hold every ordinary customer's short one behind it;
- the timeout is generous (slow is not down), and a failed call is retried with backoff;
- a circuit breaker opens after ``breaker_failures`` consecutive failed calls, not after
  one slow reply, and lets one trial call through after ``breaker_reset_s``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa is down (refused, timed out after retries, answered with an error), or the
    circuit breaker is open."""


class CircuitBreaker:
    def __init__(
        self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = failures
        self.reset_s = reset_s
        self.clock = clock
        self.consecutive = 0
        self.opened_at: float | None = None

    @property
    def open(self) -> bool:
        """Open: calls fail at once. After reset_s it lets calls through again (half-open)."""
        return self.opened_at is not None and self.clock() - self.opened_at < self.reset_s

    def success(self) -> None:
        self.consecutive = 0
        self.opened_at = None

    def failure(self) -> None:
        self.consecutive += 1
        if self.consecutive >= self.threshold:
            self.opened_at = self.clock()


class CostGate:
    """At most ``slots`` holders at once; waiters are served in order of virtual start
    time, their arrival plus ``seconds_per_char`` times their message's length (as in
    weighted fair queuing). A long message is delayed by its cost, never starved: every
    waiter's start time is fixed when it arrives, so later arrivals eventually sort after
    it."""

    def __init__(self, slots: int, seconds_per_char: float, max_chars: int = 2000) -> None:
        self._free = slots
        self._spc = seconds_per_char
        self._max_chars = max_chars
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for _, _, fut in self._heap if not fut.done())

    async def acquire(self, chars: int) -> None:
        if self._free > 0 and not self.waiting:
            self._free -= 1
            return
        start = time.monotonic() + self._spc * min(max(chars, 0), self._max_chars)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (start, next(self._order), fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # granted just as the waiter gave up: pass the slot on
            raise

    def release(self) -> None:
        while self._heap:
            _, _, fut = heapq.heappop(self._heap)
            if not fut.done():
                fut.set_result(None)
                return
        self._free += 1


class RasaClient:
    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        *,
        concurrency: int = 4,
        retries: int = 2,
        retry_backoff_s: float = 0.5,
        breaker_failures: int = 3,
        breaker_reset_s: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.retry_backoff_s = retry_backoff_s
        self.breaker = CircuitBreaker(breaker_failures, breaker_reset_s)
        # 5 ms a character: a 2,000-character message waits as if it came 10 s later
        # than a short one; Rasa reads long messages for roughly that much longer.
        self._slots = CostGate(concurrency, seconds_per_char=0.005)
        self.waiting = 0  # messages queued in front of the gate (shown on /healthz)
        # Rasa's HTTP API (``/model/parse``) answers only with --enable-api; once it said it
        # is off, the health probe asks the REST channel's route alone (one request, not two,
        # every few seconds for the hub's life).
        self._parse_api = True
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=5.0),
            limits=httpx.Limits(max_connections=concurrency + 4),
        )

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Rasa's replies to one message; RasaUnavailable once the retries are spent."""
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if self.breaker.open:
                raise RasaUnavailable("circuit open: Rasa failed repeatedly")
            if attempt:
                await asyncio.sleep(self.retry_backoff_s * 2 ** (attempt - 1))
            try:
                replies = await self._post(sender, text, metadata)
            except RasaUnavailable as exc:
                self.breaker.failure()
                last = exc
                continue
            self.breaker.success()
            return replies
        raise RasaUnavailable(str(last))

    async def _post(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.waiting += 1
        try:
            await self._slots.acquire(len(text))
        finally:
            self.waiting -= 1
        try:
            response = await self._client.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._slots.release()
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply from Rasa")
        return replies

    async def warm_up(self) -> str:
        """One parse through the NLU pipeline: loads lazily built parts before customers
        arrive, and proves the model answers, not only the web server.

        "ready"; "loading" (it answers, but not yet with a model: 404/409 while the model
        loads, or too slow to answer); "down" (refused, or a server error)."""
        try:
            await self._slots.acquire(0)
            try:
                if self._parse_api:
                    response = await self._client.post(
                        f"{self.base_url}/model/parse", json={"text": "xin chào"}
                    )
                    self._parse_api = response.status_code not in (403, 404)
                if not self._parse_api:
                    # The HTTP API is off (no --enable-api): the REST channel's own health
                    # route answers once the channel, and so the model, is up.
                    response = await self._client.get(f"{self.base_url}/webhooks/rest/")
                    return "ready" if response.status_code == 200 else "loading"
            finally:
                self._slots.release()
        except httpx.TimeoutException:
            return "loading"
        except httpx.HTTPError:
            return "down"
        if response.status_code == 200:
            return "ready"
        return "loading" if response.status_code < 500 else "down"

    async def healthy(self) -> bool:
        try:
            response = await self._client.get(f"{self.base_url}/", timeout=2)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        await self._client.aclose()
