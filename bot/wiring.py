"""What the composition root (``bot.app``) hands the hub's optional parts, typed.

``create_app`` builds one ``Wiring`` and keeps it as the application's only state; every
part's ``install(app, wiring)`` (``bot.extensions``) takes from it the hub, the settings
and the live knowledge index, registers its start and stop hooks there, and keeps its own
object (a channel, the assist engine, the knowledge workflow) under a name for the routes
(``bot.access.deps.part_of``). Nothing reads the application's state untyped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.access.passwords import PasswordWorker
from bot.config.settings import Settings
from bot.core import Core
from bot.pipeline.serving import ServingHub
from bot.search.handle import KnowledgeHandle

Part = TypeVar("Part")
# Run once when the application starts or stops (after the database is upgraded, before
# the pipeline's loops start; stops before the hub closes).
Hook = Callable[[], Awaitable[None]]


@dataclass
class Wiring:
    # The one hub object seen twice: as every stage shares it, and with intake and the
    # pipeline's entry points. ``create_app`` passes the same ``bot.service.Hub`` to both,
    # and mypy checks it satisfies each.
    core: Core
    hub: ServingHub
    settings: Settings
    knowledge: KnowledgeHandle
    passwords: PasswordWorker
    startup: list[Hook] = field(default_factory=list)
    shutdown: list[Hook] = field(default_factory=list)
    _parts: dict[str, object] = field(default_factory=dict)

    def keep(self, name: str, part: object) -> None:
        """Keep an installed part's object for the routes that use it."""
        if name in self._parts:
            raise ValueError(f"the hub's {name!r} part is installed twice")
        self._parts[name] = part

    def part(self, name: str, kind: type[Part]) -> Part | None:
        """The object kept under ``name`` if it is a ``kind``; None when not installed."""
        part = self._parts.get(name)
        return part if isinstance(part, kind) else None

    def has(self, name: str) -> bool:
        return name in self._parts
