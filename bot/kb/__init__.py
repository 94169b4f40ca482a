"""The knowledge managers' workflow around the live knowledge base: review and publish,
history and rollback, the audit trail, usage per entry and the knowledge-gap inbox.

Usage: ``bot.kb.mount.install(app, wiring)`` calls ``install(app, wiring)``. It adds the routes of
bot/kb/routes.py, listens to the knowledge service's changes, and runs a tick that
publishes scheduled drafts, withdraws expired entries and fills the gap inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from bot.cluster import jobs
from bot.config.settings import Settings
from bot.kb.errors import install_handlers
from bot.kb.gaps import GapInbox
from bot.kb.history import Recorder
from bot.kb.routes import internal_router, router
from bot.kb.workflow import Workflow
from bot.search.handle import KnowledgeHandle
from bot.wiring import Wiring

log = logging.getLogger(__name__)


async def _tick(
    workflow: Workflow, gaps: GapInbox, settings: Settings, knowledge: KnowledgeHandle
) -> None:
    """Write this replica's queued history, then, on the one replica holding the lease
    (``bot.cluster.jobs``), publish scheduled drafts, withdraw expired entries and fill the gaps."""
    seen_version = None

    async def duties() -> None:
        nonlocal seen_version
        await workflow.recorder.flush()
        if not await jobs.hold(
            workflow.db, "knowledge", settings.replica_name, settings.knowledge_tick_s * 3
        ):
            return
        await workflow.publish_due()
        await workflow.expire_due()
        await workflow.recorder.flush()
        await gaps.refresh()
        service = knowledge.service
        if service is not None and service.version != seen_version:
            seen_version = service.version
            await gaps.close_answered()

    while True:
        await asyncio.sleep(float(settings.knowledge_tick_s))
        try:
            await duties()
        except Exception:  # the tick must survive a bad row or a busy database
            log.exception("knowledge tick failed")


def install(app: FastAPI, wiring: Wiring) -> None:
    db, settings, knowledge = wiring.core.db, wiring.settings, wiring.knowledge
    recorder = Recorder(db)
    workflow = Workflow(db, settings, knowledge, recorder)
    gaps = GapInbox(db, settings, knowledge)
    workflow.on_published.append(gaps.on_published)
    wiring.keep("kb_workflow", workflow)
    wiring.keep("kb_gaps", gaps)
    knowledge.listeners.append(recorder.listen)
    install_handlers(app)
    app.include_router(router)
    app.include_router(internal_router)
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.create_task(_tick(workflow, gaps, settings, knowledge)))

    async def stop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await recorder.flush()

    wiring.startup.append(start)
    wiring.shutdown.append(stop)
