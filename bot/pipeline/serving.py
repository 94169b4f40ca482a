"""The hub as the HTTP and websocket routes see it, typed.

Routes get the hub from the application's state. Most need only what every stage shares
(``bot.core.Core``: settings, database, broker); the channel routes also need the
pipeline's entry points, declared here as a protocol so that no route imports the
composition root (``bot.service.Hub`` satisfies it, which mypy checks there).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

from bot.config.settings import Settings
from bot.pipeline.health import BotHealth
from bot.pipeline.intake import Accepted, Inbound, InboundHook
from bot.pipeline.outbox import Deliverer
from bot.pipeline.threads import Threads
from bot.realtime.broker import Broker


class ServingHub(Protocol):
    """Intake and what the widget and agent sockets read around it; channels register
    their deliverers here, and the assist part its hook on each customer message."""

    settings: Settings
    broker: Broker
    threads: Threads
    health: BotHealth
    deliverers: dict[str, Deliverer]

    @property
    def inbound_hooks(self) -> list[InboundHook]: ...

    def spawn(self, coro: Awaitable[Any]) -> None: ...

    def receive(self, inbound: Inbound) -> Awaitable[Accepted]: ...

    def replies_to(
        self, message_id: int, wait_s: float = 0.0
    ) -> Awaitable[list[dict[str, Any]]]: ...
