"""`tandem demo`: everything on embedded defaults, in one terminal.

Order matters: the database and the Rasa model first, then the action server and Rasa
(slow to start), then the hub in the foreground. Ctrl-C stops them all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys

import typer

from tandem import processes
from tandem.rasa_model import model_path, train
from tandem.settings import ROOT, get_settings


def run_demo(port: int) -> None:
    os.environ.setdefault("TANDEM_MODE", "demo")
    os.environ["TANDEM_HUB_PORT"] = str(port)
    os.environ.setdefault("TANDEM_HUB_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    settings = get_settings()
    if settings.mode != "demo":
        sys.exit("`tandem demo` runs in demo mode only; use `tandem hub` in production.")

    from tandem.commands import _init_db

    password = os.environ.get("TANDEM_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    credentials = asyncio.run(_init_db(True, password))
    train()

    logs = ROOT / "var" / "logs"
    children = [
        processes.start_action_server(settings, logs),
        processes.start_rasa(settings, model_path(), logs),
    ]
    try:
        typer.echo("Starting the action server and Rasa (logs in var/logs/)...")
        if not processes.wait_http(settings.rasa_url, 180, children[1]):
            typer.echo(
                "Rasa did not come up; the hub will queue customers for humans. "
                "See var/logs/rasa.log."
            )
        base = f"http://127.0.0.1:{port}"
        typer.echo("")
        typer.echo("Tandem is running (demo mode):")
        typer.echo(f"  customer widget demo page  {base}/demo")
        typer.echo(f"  agent panel                {base}/panel")
        typer.echo("  demo accounts (demo mode only; new passwords on every start):")
        for user, pw in credentials.items():
            typer.echo(f"    {user:6s} / {pw}")
        typer.echo("Press Ctrl-C to stop.")
        import uvicorn

        from bot.app import create_app

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        uvicorn.run(create_app(settings), host=settings.hub_host, port=port, log_level="warning")
    finally:
        for child in children:
            processes.stop(child)
