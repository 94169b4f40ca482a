"""What the hub's routes and live assist use of the live knowledge index, as a protocol.

``bot.search.handle.KnowledgeHandle`` is the one implementation. A route that only searches
names this protocol (``bot.access.deps.KnowledgeDep``), so what it may call is what it
reads here, not the handle's loading and version-following.
"""

from __future__ import annotations

from typing import Any, Protocol


class KnowledgeIndex(Protocol):
    async def get(self, wait_s: float = 30.0) -> Any:
        """The loaded knowledge service, or None while it loads (after ``wait_s``)."""
        ...

    async def search(
        self,
        query: str,
        lang: str | None,
        k: int = 3,
        *,
        suggestion: bool = False,
        conversation_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Top hits for a query, as plain dicts."""
        ...

    async def embed(self, texts: list[str]) -> Any:
        """Query vectors of ``texts``, or None while the index loads."""
        ...
