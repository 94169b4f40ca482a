"""The bot's health, as the hub sees it: Rasa answers a parse (the warm-up), the action
server answers /health. Probed at start and then every few seconds; every change is pushed
to the panels (``{"type": "health"}`` on ``agents``) and shown in their header.

Routing to the bot waits while Rasa is starting or loading its model (up to
``bot_ready_wait_s``), so the first customers after a cold start wait for it instead of
being handed off as "bot unavailable". When Rasa comes
back (every successful probe), ``on_recovered`` returns bot-failure conversations to the bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx

from bot.pipeline.rasa_client import RasaClient
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.store.times import utc_now

log = logging.getLogger(__name__)


class BotHealth:
    def __init__(
        self,
        rasa: RasaClient,
        broker: Broker,
        *,
        actions_url: str = "",
        interval_s: float = 5.0,
        on_recovered: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self.rasa = rasa
        self.broker = broker
        self.actions_url = actions_url.rstrip("/")
        self.interval_s = interval_s
        self.on_recovered = on_recovered
        self.rasa_state: str | None = None  # ready | loading | down; None: not probed yet
        self.rasa_ready: bool | None = None
        self.actions_ready: bool | None = None
        self.checked_at: datetime | None = None
        self._settled = asyncio.Event()  # set while Rasa is ready or down, not loading
        # One client for every probe: a new client each time built a TLS context (CA
        # certificates loaded), once the largest single cost in the hub's CPU per message
        # when the probe ran after every bot turn (docs/benchmarks.md, CPU per message).
        self._http: httpx.AsyncClient | None = None

    def snapshot(self) -> dict[str, Any]:
        return {
            "rasa": self.rasa_ready,
            "rasa_state": self.rasa_state,
            "actions": self.actions_ready,
            "breaker_open": self.rasa.breaker.open,
            "waiting_for_rasa": self.rasa.waiting,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }

    def _announce(self) -> None:
        """Tell the panels (their header shows the bot's health)."""
        events.publish(
            self.broker, events.AGENTS, events.HealthFrame(type="health", bot=self.snapshot())
        )

    async def wait_usable(self, timeout_s: float) -> None:
        """Wait while Rasa is starting or loading its model (bounded): a cold start is
        waited out, not handed off. A Rasa that is down is not waited for."""
        try:
            await asyncio.wait_for(self._settled.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass

    async def _actions_ok(self) -> bool | None:
        if not self.actions_url:
            return None
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5)
        try:
            return (await self._http.get(f"{self.actions_url}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def actions_failed(self) -> None:
        """A bot turn said its custom action could not run (``bot_answer.BotAnswer.of``): check
        the action server now rather than at the next probe, and tell the panels if it is
        down. Turns that went well need no check: Rasa says when an action fails."""
        ok = await self._actions_ok()
        if ok is not None and ok != self.actions_ready:
            self.actions_ready = ok
            self._announce()

    async def probe(self) -> None:
        state, actions_ok = await asyncio.gather(self.rasa.warm_up(), self._actions_ok())
        rasa_ok = state == "ready"
        changed = (state, actions_ok) != (self.rasa_state, self.actions_ready)
        self.rasa_state, self.rasa_ready, self.actions_ready = state, rasa_ok, actions_ok
        self.checked_at = utc_now()
        if rasa_ok:
            self.rasa.breaker.success()
        if state == "loading":
            self._settled.clear()
        else:
            self._settled.set()
        if changed:
            log.info("bot health: rasa=%s actions=%s", rasa_ok, actions_ok)
            self._announce()
        if rasa_ok and self.on_recovered is not None:
            await self.on_recovered()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.probe()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bot health probe failed")
            await asyncio.sleep(self.interval_s)
