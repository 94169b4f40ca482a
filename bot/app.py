"""The hub's ASGI application: wires storage, Rasa, knowledge, channels and the panel."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.access.passwords import PasswordWorker
from bot.api import account, agent, agent_socket, internal, widget
from bot.config.settings import Settings, get_settings
from bot.handoff import scheduler
from bot.i18n.inbound import InvalidMessage
from bot.search import priority as thread_priority
from bot.search.handle import KnowledgeHandle
from bot.service import Hub
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.states import InvalidTransition
from bot.wiring import Wiring

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


class HealthOut(BaseModel):
    ok: bool
    rasa: bool
    bot: dict[str, Any]  # bot.pipeline.health.BotHealth.snapshot
    knowledge: str  # ready | loading | the error that stopped it
    knowledge_version: int | None
    realtime: str  # local | redis | redis-down
    replica: str
    # CPU priority per role: {"hub": {"asked": -5, "applied": true}} (bot/search/priority.py)
    niceness: dict[str, dict[str, int | bool]]
    # CPU seconds of knowledge searches so far, {"answer": s, "suggestion": s}
    search_cpu_s: dict[str, float]


def create_app(settings: Settings | None = None, *, run_scheduler: bool = True) -> FastAPI:
    settings = settings or get_settings()
    settings.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade, settings.database_url)
        await hub.broker.start()
        wiring.knowledge.start()
        for start in wiring.startup:
            await start()
        # Warm-up probe, workers and outbox sender; the first passes re-drive whatever a
        # previous run left unrouted or undelivered.
        hub.start()
        ticker = asyncio.create_task(scheduler.run_forever(hub)) if run_scheduler else None
        try:
            yield
        finally:
            if ticker:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            for stop in wiring.shutdown:
                await stop()
            wiring.knowledge.stop()
            wiring.passwords.close()
            await hub.close()
            await hub.db.dispose()

    # The interactive API docs are for developers; a production hub does not describe itself.
    docs = settings.mode == "demo"
    app = FastAPI(
        title="Tandem hub",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    hub = Hub(
        settings,
        Database(
            settings.database_url,
            settings.db_pool_size,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        ),
    )
    # The application's only state; routes read it through bot.access.deps, parts get it
    # in their install().
    wiring = Wiring(
        core=hub,
        hub=hub,
        settings=settings,
        knowledge=KnowledgeHandle(settings, hub.broker),
        passwords=PasswordWorker(settings.password_hash_concurrency),
    )
    app.state.wiring = wiring

    @app.exception_handler(InvalidMessage)
    async def _invalid_message(_: Request, exc: InvalidMessage) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail, "code": exc.code},
            status_code=413 if exc.code == "too_long" else 422,
        )

    @app.exception_handler(InvalidTransition)
    async def _invalid_transition(_: Request, exc: InvalidTransition) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite's one write lock, still held by others after the busy timeout: the hub is
        # slow, not broken. Nothing was stored, so the client sends it again (the widget and
        # the platforms retry with the same id, which intake deduplicates).
        if "database is locked" not in str(exc):
            raise exc
        log.warning("database busy: %s %s answered 503", request.method, request.url.path)
        return JSONResponse(
            {"detail": "The service is busy; please send it again.", "code": "busy"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Malformed JSON and wrong fields get one clear message instead of a stack trace.
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse(
            {"detail": "The request is not valid.", "errors": errors}, status_code=422
        )

    @app.get("/healthz", response_model=HealthOut)
    async def healthz() -> dict[str, object]:
        knowledge = wiring.knowledge
        return {
            "ok": True,
            "rasa": await hub.rasa.healthy(),
            "bot": hub.health.snapshot(),
            "knowledge": "ready" if knowledge.service else (knowledge.error or "loading"),
            "knowledge_version": knowledge.service.version if knowledge.service else None,
            "realtime": hub.broker.status(),
            "replica": settings.replica_name,
            "niceness": thread_priority.report(),
            "search_cpu_s": knowledge.search_cpu(),
        }

    if settings.forwarded_allow_ips.strip():
        # The client's address (bot.access.auth.client_address: intake and sign-in limits) from
        # X-Forwarded-For, believed only from these proxies: anyone else could name any
        # address and slip past the per-address limits.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.include_router(internal.router)
    app.include_router(account.router)
    app.include_router(agent.router)
    app.include_router(agent_socket.router)
    app.include_router(widget.router)
    _mount_optional(app, wiring)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _mount_optional(app: FastAPI, wiring: Wiring) -> None:
    """Routers of channels and panels that register themselves with the app."""
    from bot import extensions

    extensions.install(app, wiring)
