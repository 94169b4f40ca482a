"""Talks to the Rasa server through its REST channel, as production deployments do."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa is down, too slow, or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            response = await self._client.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply from Rasa")
        return replies

    async def healthy(self) -> bool:
        try:
            response = await self._client.get(f"{self.base_url}/", timeout=2)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        await self._client.aclose()
