"""Intake limits: how fast one visitor, and one client address, may send messages.

A flood of long messages once kept the bot's search threads busy for 22 minutes (8
anonymous visitors, one 4,000-character message a second each). Intake now refuses
what no person types: per visitor (the channel thread) and per client address, both
messages and characters per minute, checked before anything is stored. A refused message
was never accepted; the channel tells the client so (HTTP 429, a websocket error frame, a
Telegram reply) and the customer sees "Bạn gửi hơi nhanh…".

The counting is the ``limits`` library's moving window: in this process's memory in the
embedded default, in Redis (``TANDEM_REDIS_URL``) when hub replicas share the load, so a
visitor cannot spread a flood over the replicas.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from bot.config.settings import Settings

# Characters are counted in blocks of this many: the moving window keeps one entry per
# unit counted, and 120,000 single characters a minute per address would be a list of
# 120,000 entries rewritten on every message. A short message costs one block.
CHAR_BLOCK = 100
NAMESPACE = "tandem-intake"
REDIS_TIMEOUT_S = 1.0
log = logging.getLogger(__name__)


class RateLimited(Exception):
    """A message intake refuses for now; ``retry_after`` in whole seconds."""

    code = "rate_limited"

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Limit:
    name: str  # "visitor" or "address": which key it counts
    item: RateLimitItem
    chars: bool  # counts character blocks instead of messages


def char_cost(text: str) -> int:
    return max(1, math.ceil(len(text) / CHAR_BLOCK))


class IntakeLimits:
    """Messages and characters per minute, per visitor key and per client address."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        memory = cast(Storage, storage_from_string("async+memory://"))
        if storage is None and settings.redis_url:
            # redis-py is already the hub's Redis client (bot/realtime/redis_broker.py). Short
            # timeouts: intake must not hang on a Redis that does not answer.
            found = storage_from_string(
                f"async+{settings.redis_url}",
                implementation="redispy",
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
            )
            storage = cast(Storage, found)  # an "async+" scheme gives an async storage
        self.storage = storage or memory
        self.limiter = MovingWindowRateLimiter(self.storage)
        # While Redis is out of reach, each replica counts on its own instead: customers
        # keep writing (the realtime fan-out has the same fallback, bot/realtime/redis_broker.py).
        self.local = MovingWindowRateLimiter(memory) if self.storage is not memory else None

        def per_min(amount: int) -> RateLimitItem:
            return RateLimitItemPerMinute(amount, 1, NAMESPACE)

        blocks = CHAR_BLOCK
        self.limits = [
            _Limit("visitor", per_min(settings.intake_visitor_messages_per_min), False),
            _Limit(
                "visitor", per_min(math.ceil(settings.intake_visitor_chars_per_min / blocks)), True
            ),
            _Limit("address", per_min(settings.intake_address_messages_per_min), False),
            _Limit(
                "address", per_min(math.ceil(settings.intake_address_chars_per_min / blocks)), True
            ),
        ]

    async def check(self, visitor: str, address: str | None, text: str) -> None:
        """Count one message (see ``_check``), in this process's memory while the shared
        storage is out of reach."""
        try:
            await self._check(self.limiter, visitor, address, text)
        except RateLimited:
            raise
        except Exception as exc:  # Redis down or slow: connection errors, timeouts
            if self.local is None:
                raise
            log.warning("intake limits: shared storage unavailable (%s); counting locally", exc)
            await self._check(self.local, visitor, address, text)

    async def _check(
        self, limiter: MovingWindowRateLimiter, visitor: str, address: str | None, text: str
    ) -> None:
        """Count one message, or raise RateLimited (and count nothing) when any limit is
        spent. Every limit is tested before any is charged, so a message refused by the
        address limit does not use up the visitor's allowance."""
        keys = {"visitor": f"v:{visitor}", "address": f"a:{address}" if address else None}
        blocks = char_cost(text)
        charged = [
            (limit, key, blocks if limit.chars else 1)
            for limit in self.limits
            if (key := keys[limit.name]) is not None
        ]
        for limit, key, cost in charged:
            if not await limiter.test(limit.item, key, cost=cost):
                raise RateLimited(limit.name, await _retry_after(limiter, limit, key))
        for limit, key, cost in charged:
            # Two messages of one visitor may race between test and hit: the loser is
            # refused here, as it would have been a moment later.
            if not await limiter.hit(limit.item, key, cost=cost):
                raise RateLimited(limit.name, await _retry_after(limiter, limit, key))


async def _retry_after(limiter: MovingWindowRateLimiter, limit: _Limit, key: str) -> int:
    stats = await limiter.get_window_stats(limit.item, key)
    return max(1, math.ceil(stats.reset_time - time.time()))
