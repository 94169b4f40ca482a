"""Running and preparing the hub for the CLI: serve it in the foreground, and create (and
for the demo, seed) its database. `tandem hub`, `tandem db init` and `tandem demo` use it."""

from __future__ import annotations

import asyncio
import logging

from bot.config.settings import Settings, get_settings


def serve_hub(
    settings: Settings, host: str | None = None, port: int | None = None, log_level: str = "info"
) -> None:
    """The hub in the foreground until SIGINT/SIGTERM (`tandem hub` and `tandem demo`)."""
    import uvicorn

    from bot.app import create_app
    from bot.search.priority import set_niceness

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO: the bot's health probes alone wrote three lines
    # every five seconds and buried the hub's own. FAISS's loader logs each CPU build it
    # tries, with a "ModuleNotFoundError" for those it lacks, which reads as a failure.
    # Their warnings and errors still show.
    for noisy in ("httpx", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # On the thread that runs the event loop, before the hub starts any other: every thread
    # it makes later (database drivers, executors) starts at this niceness too. Rasa and
    # the action server, started earlier by `tandem demo`, keep theirs.
    set_niceness(settings.hub_niceness, role="hub")
    uvicorn.run(
        create_app(settings),
        host=host or settings.hub_host,
        port=port or settings.hub_port,
        log_level=log_level,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        # The app applies X-Forwarded-For itself, from TANDEM_FORWARDED_ALLOW_IPS only
        # (bot/app.py); uvicorn's own default would believe any local process.
        proxy_headers=False,
    )


async def init_db(demo: bool, password: str | None) -> dict[str, str]:
    """Migrate the schema; with ``demo``, load the demo customers and accounts and return
    username -> password."""
    from bot.access.passwords import hash_password
    from bot.reporting import listeners
    from bot.store.db import Database
    from bot.store.migrate import upgrade
    from bot.store.seed import load_demo_data, seed_customers, seed_users

    settings = get_settings()
    await asyncio.to_thread(upgrade, settings.database_url)
    if not demo:
        return {}
    db = Database(settings.database_url)
    # The demo's past conversations count in the reports, as the hub's own writes do.
    listeners.install(db)
    try:
        data = load_demo_data()
        async with db.session() as session:
            await seed_customers(session, data)
            return await seed_users(session, data, password, hash_password=hash_password)
    finally:
        await db.dispose()
