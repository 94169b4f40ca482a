"""Sub-commands of `tandem` that run or prepare the product."""

from __future__ import annotations

import asyncio
import sys

import typer

from bot.config.settings import get_settings
from bot.copilot.evaluate import copilot as eval_copilot
from knowledge.evaluate import retrieval as eval_retrieval
from tandem.eval_intents import intents as eval_intents
from tandem.hub import init_db, serve_hub

__all__ = ["db_app", "eval_app", "register_runtime_commands", "serve_hub"]

db_app = typer.Typer(no_args_is_help=True)
eval_app = typer.Typer(no_args_is_help=True)

# The evaluation commands live beside the code they evaluate.
eval_app.command("intents")(eval_intents)
eval_app.command("retrieval")(eval_retrieval)
eval_app.command("copilot")(eval_copilot)


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
    credentials = asyncio.run(init_db(demo, password))
    typer.echo(f"Database ready: {settings.database_url}")
    if credentials:
        from tandem.demo import account_lines

        for line in account_lines(credentials):
            typer.echo(f"  demo account {line}")


@db_app.command("backfill-reports")
def db_backfill_reports() -> None:
    """Count history stored before reporting existed (once, after an upgrade)."""
    from sqlalchemy import create_engine

    from bot.reporting.backfill import backfill
    from bot.store.db import sync_url
    from bot.store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.begin() as conn:
            counted = backfill(conn)
    finally:
        engine.dispose()
    typer.echo("Counted: " + ", ".join(f"{n} {kind}" for kind, n in counted.items()))


def register_runtime_commands(app: typer.Typer) -> None:
    @app.command()
    def hub(
        host: str = typer.Option(None, help="Bind address (default TANDEM_HUB_HOST)."),
        port: int = typer.Option(None, help="Port (default TANDEM_HUB_PORT)."),
    ) -> None:
        """Run only the conversation hub (ASGI, uvicorn)."""
        serve_hub(get_settings(), host=host, port=port, log_level="info")

    @app.command()
    def train(force: bool = typer.Option(False, help="Retrain even if nothing changed.")) -> None:
        """Train the Rasa model if it is missing or stale."""
        from tandem.rasa_model import train as train_model

        train_model(force=force)

    @app.command()
    def demo(
        port: int = typer.Option(None, help="Hub port (default TANDEM_HUB_PORT, else 8000)."),
    ) -> None:
        """Run the whole product on embedded defaults: SQLite, bundled embeddings, Rasa."""
        from tandem.demo import run_demo

        run_demo(port)
