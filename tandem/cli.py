"""The `tandem` command-line tool.

Usage:
    tandem demo                 run the whole product on embedded defaults
    tandem hub                  run only the conversation hub
    tandem db init [--demo]     create or migrate the database (and load demo data)
    tandem train                train the Rasa model if missing or stale
    tandem knowledge ...        manage the FAQ corpus and its index
    tandem eval intents ...     evaluate the NLU pipeline on a labelled CSV
    tandem eval retrieval ...   evaluate retrieval on a JSONL corpus and queries

Sub-command modules import their heavy dependencies lazily, so `tandem --help` is fast.
"""

from __future__ import annotations

import typer

from knowledge.cli import app as knowledge_app
from tandem.commands import db_app, eval_app, register_runtime_commands

app = typer.Typer(help="Tandem: agent-assist contact-centre bot.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge", help="Manage the FAQ corpus and its index.")
app.add_typer(eval_app, name="eval", help="Evaluate intent classification and retrieval.")
app.add_typer(db_app, name="db", help="Create, migrate and seed the database.")
register_runtime_commands(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
