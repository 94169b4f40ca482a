"""How the reporting part joins the hub: its listener on the hub's database sessions, its
routes and its background survey job."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from bot.wiring import Wiring


def install(app: FastAPI, wiring: Wiring) -> None:
    from bot.reporting import listeners, routes, surveys

    listeners.configure(wiring.settings)
    # Reporting subscribes to the store's model events from here; the store never calls it.
    listeners.install(wiring.core.db)
    app.include_router(routes.router)
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.create_task(surveys.run_forever(wiring.core)))

    async def stop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()

    wiring.startup.append(start)
    wiring.shutdown.append(stop)
