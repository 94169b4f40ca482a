"""How the reporting part joins the hub: its listener on the hub's database sessions, its
routes and its background survey job."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from bot.reporting import listeners, routes, surveys

    listeners.configure(app.state.settings)
    # Reporting subscribes to the store's model events from here; the store never calls it.
    listeners.install(app.state.hub.db)
    app.include_router(routes.router)
    tasks: list[asyncio.Task[None]] = []

    async def start(app: FastAPI) -> None:
        tasks.append(asyncio.create_task(surveys.run_forever(app.state.hub)))

    async def stop(app: FastAPI) -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
