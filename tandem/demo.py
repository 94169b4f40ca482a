"""`tandem demo`: everything on embedded defaults, in one terminal.

Order matters: the database and the Rasa model first, then the action server and Rasa
(slow to start), then the hub in the foreground. Ctrl-C stops them all.

Every port and address is a setting (TANDEM_HUB_PORT, TANDEM_RASA_PORT,
TANDEM_ACTION_PORT, TANDEM_VAR_DIR, ...), so a second copy runs beside the first:
    TANDEM_HUB_PORT=8100 TANDEM_RASA_PORT=5105 TANDEM_ACTION_PORT=5155 \\
        TANDEM_VAR_DIR=var/second tandem demo
The process ids of the three processes are written to `<var_dir>/demo-pids.json` while
they run, so scripts can stop exactly these processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys

import typer

from bot.config.settings import get_settings
from tandem import processes
from tandem.rasa_model import model_path, train

# How the banner names each demo account's role: the panel's words, Vietnamese first.
ROLE_NAMES = {
    "agent": "Nhân viên · agent",
    "knowledge_manager": "Quản lý tri thức · knowledge manager",
    "supervisor": "Giám sát viên · supervisor",
}


def account_lines(credentials: dict[str, str]) -> list[str]:
    """One line per demo account: its user name, password and role, so whoever tries the
    demo knows which account sees the queue, the knowledge tab or the supervision tab."""
    from bot.store.seed import load_demo_data

    roles = {str(u["username"]): str(u["role"]) for u in load_demo_data()["users"]}
    return [
        f"{user:6s} / {pw}   {ROLE_NAMES.get(roles.get(user, ''), roles.get(user, ''))}".rstrip()
        for user, pw in credentials.items()
    ]


def run_demo(port: int | None = None) -> None:
    os.environ.setdefault("TANDEM_MODE", "demo")
    if port is not None:
        # An explicit --port wins over TANDEM_HUB_PORT; the environment wins over the default.
        os.environ["TANDEM_HUB_PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    if settings.mode != "demo":
        sys.exit("`tandem demo` runs in demo mode only; use `tandem hub` in production.")

    from tandem.hub import init_db, serve_hub

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    password = os.environ.get("TANDEM_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    credentials = asyncio.run(init_db(True, password))
    train()

    # SIGTERM ends the demo like Ctrl-C does, through the `finally` below that stops Rasa
    # and the action server. (uvicorn re-raises the signal once it has shut down; with the
    # default handler the process would die there and leave both running.)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logs = settings.var_dir / "logs"
    actions = processes.start_action_server(settings, logs)
    rasa = processes.start_rasa(settings, model_path(), logs)
    pids = settings.var_dir / "demo-pids.json"
    pids.write_text(json.dumps({"hub": os.getpid(), "rasa": rasa.pid, "actions": actions.pid}))
    try:
        typer.echo(f"Starting the action server and Rasa (logs in {logs})...")
        if not processes.wait_http(settings.rasa_url, 180, rasa):
            typer.echo(
                "Rasa did not come up; the hub will queue customers for humans. "
                f"See {logs / 'rasa.log'}."
            )
        base = f"http://{settings.hub_host}:{settings.hub_port}"
        typer.echo("")
        typer.echo("Tandem is running (demo mode):")
        typer.echo(f"  customer widget demo page  {base}/demo")
        typer.echo(f"  agent panel                {base}/panel")
        typer.echo(f"  Rasa                       {settings.rasa_url}")
        typer.echo(f"  action server              {settings.action_url}")
        typer.echo("  demo accounts (demo mode only; new passwords on every start):")
        for line in account_lines(credentials):
            typer.echo(f"    {line}")
        typer.echo("Press Ctrl-C to stop.")
        serve_hub(settings, log_level="warning")
    finally:
        for child in (rasa, actions):
            processes.stop(child)
        pids.unlink(missing_ok=True)
