"""`tandem eval intents`: train the project's NLU pipeline on one CSV, score it on another.

The work happens in the Rasa environment (`.venv-rasa`), which has its own pinned
dependencies; this command spawns `python -m nlu.evaluate` there, shows its progress and
prints its JSON result as the last line.

Usage:
    tandem eval intents --train train.csv --test test.csv [--config config.yml]
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
console = Console(stderr=True)


def _rasa_python() -> Path:
    """The Rasa environment's interpreter (TANDEM_RASA_PYTHON overrides)."""
    override = os.environ.get("TANDEM_RASA_PYTHON")
    if override:
        return Path(override)
    return ROOT / ".venv-rasa" / "bin" / "python"


def _check_csv(path: Path, what: str) -> None:
    """Fail early, in this process, on a missing file or a wrong header."""
    if not path.is_file():
        raise typer.BadParameter(f"{path}: file not found", param_hint=what)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["text", "intent"]:
        raise typer.BadParameter(
            f"{path}: line 1 must be the header 'text,intent', found {header!r}", param_hint=what
        )


def intents(
    train: Path = typer.Option(..., help="CSV with header text,intent to train on."),
    test: Path = typer.Option(..., help="CSV with header text,intent to evaluate on."),
    config: Path = typer.Option(Path("config.yml"), help="Rasa config with the NLU pipeline."),
) -> None:
    """Train the NLU pipeline on TRAIN and report accuracy, macro-F1 and out-of-scope figures."""
    _check_csv(train, "--train")
    _check_csv(test, "--test")
    if not config.is_file():
        raise typer.BadParameter(f"{config}: file not found", param_hint="--config")
    python = _rasa_python()
    if not python.exists():
        console.print(f"[red]Rasa environment not found at {python}[/red]")
        raise typer.Exit(2)
    command = [
        str(python), "-m", "nlu.evaluate",
        "--train", str(train.resolve()),
        "--test", str(test.resolve()),
        "--config", str(config.resolve()),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    result: dict[str, object] | None = None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console,
    ) as bar:  # fmt: skip
        task = bar.add_task("training", total=None)
        # Rasa and TensorFlow are chatty on stderr: keep it aside, show it on failure.
        errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            encoding="utf-8",
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("PROGRESS "):
                _, done, total, stage = line.split(" ", 3)
                label = "training" if stage == "train" else "evaluating"
                bar.update(task, description=label, completed=int(done), total=int(total))
            elif line.startswith("{"):
                try:
                    result = json.loads(line)
                except json.JSONDecodeError:
                    console.print(line, highlight=False)
            elif line.strip():
                console.print(line, highlight=False, markup=False)
        code = proc.wait()
    errors.seek(0)
    log = errors.read().splitlines()
    errors.close()
    if code != 0 or result is None:
        for line in log[-25:]:
            console.print(line, highlight=False, markup=False)
        console.print(f"[red]evaluation failed (exit status {code})[/red]")
        raise typer.Exit(code or 1)
    if "train_s" in result:
        console.print(f"training time: {result['train_s']} s", highlight=False)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
