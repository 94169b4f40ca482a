"""What the Zalo and Messenger channels share: the hub as they see it, the plain text of a
reply, the panel's view of a conversation's reply window, and the job that offers a
call-back or another channel when the window is closing on a waiting customer.

The windows themselves (rules, the check at delivery and of an agent's reply, the report of
a refused reply) are in bot/pipeline/windows.py: they read the stored messages.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, HTTPException

from bot.access.auth import require_agent
from bot.access.deps import CoreDep
from bot.api.params import DbId
from bot.cluster import jobs
from bot.core import Core
from bot.pipeline import windows
from bot.pipeline.intake import Accepted, Inbound
from bot.pipeline.outbox import Deliverer
from bot.wiring import Wiring

AGENT_LABEL = {"vi": "nhân viên", "en": "adviser"}

router = APIRouter(prefix="/api", tags=["channels"])


class PlatformHub(Protocol):
    """The hub as the Zalo and Messenger adapters see it for their messages: intake, where
    to register a deliverer, and background jobs. The stores and events they use (windows,
    reports, tokens) take the hub's ``Core``."""

    deliverers: dict[str, Deliverer]

    def receive(self, inbound: Inbound) -> Awaitable[Accepted]: ...

    def spawn(self, coro: Awaitable[Any]) -> None: ...


def outbound_text(out: dict[str, Any], language: str) -> str:
    """Plain text, nothing read as markup; an agent is named, and the hub marked."""
    text = str(out["text"])
    if out.get("sender") == "agent":
        name = out.get("agent_name") or AGENT_LABEL[language].capitalize()
        text = f"👤 {name} ({AGENT_LABEL[language]}):\n{text}"
    elif out.get("sender") == "system":
        text = f"ℹ️ {text}"
    return text


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@router.get("/conversations/{conv_id}/window")
async def conversation_window(
    conv_id: DbId, core: CoreDep, _: Any = Depends(require_agent)
) -> dict[str, Any]:
    """The reply window of a Zalo or Messenger conversation (``applies`` false elsewhere)."""
    view = await windows.window_view(core, conv_id)
    if view is None:
        raise HTTPException(404, "No such conversation.")
    return view


async def _closing_loop(hub: Core) -> None:
    await jobs.run_leased(
        hub.db,
        "channel_windows",
        f"windows-{uuid.uuid4().hex[:12]}",
        hub.settings.job_lease_s,
        hub.settings.channel_window_check_s,
        lambda: windows.offer_before_closing(hub),
    )


def install_shared(app: FastAPI, wiring: Wiring) -> None:
    """Once, for whichever of the two channels is on: the window route and the offers."""
    if wiring.has("channel_windows"):
        return
    wiring.keep("channel_windows", router)
    app.include_router(router)
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.create_task(_closing_loop(wiring.core)))

    async def stop() -> None:
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    wiring.startup.append(start)
    wiring.shutdown.append(stop)
