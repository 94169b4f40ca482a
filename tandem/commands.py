"""Sub-commands of `tandem` that run or prepare the product."""

from __future__ import annotations

import asyncio
import importlib
import logging
import secrets
import sys
from pathlib import Path

import typer

from tandem.settings import ROOT, get_settings

db_app = typer.Typer(no_args_is_help=True)
eval_app = typer.Typer(no_args_is_help=True)

# The evaluation commands live beside the code they evaluate.
_EVAL_COMMANDS = {
    "intents": "tandem.eval_intents:intents",
    "retrieval": "knowledge.evaluate:retrieval",
}
for _name, _target in _EVAL_COMMANDS.items():
    _module, _func = _target.split(":")
    try:
        eval_app.command(_name)(getattr(importlib.import_module(_module), _func))
    except ModuleNotFoundError as _exc:  # pragma: no cover - only while a part is absent
        if _exc.name != _module:
            raise


async def _init_db(demo: bool, password: str | None) -> dict[str, str]:
    from bot.store.db import Database
    from bot.store.migrate import upgrade
    from bot.store.seed import load_demo_data, seed_customers, seed_users

    settings = get_settings()
    await asyncio.to_thread(upgrade, settings.database_url)
    if not demo:
        return {}
    db = Database(settings.database_url)
    try:
        data = load_demo_data()
        async with db.session() as session:
            await seed_customers(session, data)
            return await seed_users(session, data, password)
    finally:
        await db.dispose()


@db_app.command("init")
def db_init(
    demo: bool = typer.Option(False, help="Load the fictional demo customers and panel accounts."),
    password: str = typer.Option(
        None, envvar="TANDEM_DEMO_PASSWORD", help="Password for the demo accounts."
    ),
) -> None:
    """Create or migrate the database schema (Alembic), optionally loading demo data."""
    settings = get_settings()
    if demo and settings.mode != "demo":
        sys.exit("Demo accounts exist only in demo mode (TANDEM_MODE=demo).")
    credentials = asyncio.run(_init_db(demo, password))
    typer.echo(f"Database ready: {settings.database_url}")
    for user, pw in credentials.items():
        typer.echo(f"  demo account {user} / {pw}")


def register_runtime_commands(app: typer.Typer) -> None:
    @app.command()
    def hub(
        host: str = typer.Option(None, help="Bind address (default TANDEM_HUB_HOST)."),
        port: int = typer.Option(None, help="Port (default TANDEM_HUB_PORT)."),
    ) -> None:
        """Run only the conversation hub (ASGI, uvicorn)."""
        import uvicorn

        from bot.app import create_app

        settings = get_settings()
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        uvicorn.run(
            create_app(settings),
            host=host or settings.hub_host,
            port=port or settings.hub_port,
            log_level="info",
        )

    @app.command()
    def train(force: bool = typer.Option(False, help="Retrain even if nothing changed.")) -> None:
        """Train the Rasa model if it is missing or stale."""
        from tandem.rasa_model import train as train_model

        train_model(force=force)

    @app.command()
    def demo(port: int = typer.Option(8000, help="Hub port.")) -> None:
        """Run the whole product on embedded defaults: SQLite, bundled embeddings, Rasa."""
        from tandem.demo import run_demo

        run_demo(port)


def new_password() -> str:
    return secrets.token_urlsafe(9)


__all__ = ["db_app", "eval_app", "register_runtime_commands", "ROOT", "Path"]
