"""`tandem knowledge ...`: build, search and edit the FAQ corpus and its index.

Usage:
    tandem knowledge build [--force]          index the corpus (new version)
    tandem knowledge search "phi thuong nien" [--lang vi] [-k 3]
    tandem knowledge add entry.yaml           add or update entries from a file
    tandem knowledge import faq.csv           import CSV, YAML or JSONL entries (or a folder)
    tandem knowledge export knowledge/corpus  write the published corpus as YAML for git
    tandem knowledge delete fees-annual-fee
    tandem knowledge versions
    tandem knowledge rollback 7

Changes are written to the corpus (YAML files, or the database with
TANDEM_KNOWLEDGE_STORE=database) and saved as a new index version; a running hub picks them
up within a second and records them in each entry's history. Heavy libraries load only
when a command runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from knowledge.service import KnowledgeService

app = typer.Typer(no_args_is_help=True, help="Manage the FAQ corpus and its index.")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int], None]]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} texts"),
        TimeElapsedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.advance(task, n)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the errors a user can fix into one clear line instead of a traceback."""
    from knowledge.corpus import CorpusError
    from knowledge.store import IndexMismatchError, IndexMissingError

    try:
        yield
    except (CorpusError, IndexMismatchError, IndexMissingError, ValueError) as err:
        _fail(str(err))
    except KeyError as err:
        _fail(f"no entry with id {err.args[0]!r}")


def _service(rebuild: bool = False) -> KnowledgeService:
    from knowledge.service import KnowledgeService

    with _progress("embedding changed entries") as advance:
        return KnowledgeService.from_settings(rebuild=rebuild, progress=advance)


@app.command()
def build(
    force: bool = typer.Option(False, "--force", help="rebuild from scratch (new model)"),
) -> None:
    """Index the corpus, embedding only what changed since the last version."""
    with _errors():
        service = _service(rebuild=force)
    meta = service.versions()[-1] if service.versions() else {}
    typer.echo(
        f"index version {service.version}: {len(service.retriever.entries)} entries, "
        f"{len(service.retriever.rows)} rows, {meta.get('vectors', {}).get('kind', 'flat')} search"
    )


@app.command()
def search(
    query: str = typer.Argument(..., help="what the customer asked"),
    lang: str | None = typer.Option(None, help="vi or en (detected when left out)"),
    k: int = typer.Option(3, "-k", help="number of results"),
) -> None:
    """Search the index the way the bot and the agent panel do."""
    from rich.console import Console
    from rich.table import Table

    if lang not in (None, "vi", "en"):
        _fail("--lang must be vi or en")
    with _errors():
        hits = _service().search(query, lang=lang, k=k)  # type: ignore[arg-type]
    table = Table("score", "self-service", "id", "matched question", "answer")
    for h in hits:
        table.add_row(
            f"{h.score:.3f}", "yes" if h.confident else "no", h.id, h.question, h.answer[:120]
        )
    Console().print(table)


def _load_entries(path: Path) -> list[dict[str, Any]]:
    from knowledge.transfer import read_import

    if path.is_dir():  # a corpus folder, e.g. to fill the database from the demo corpus
        return [e for file in sorted(path.glob("*.yaml")) for e in read_import(file)]
    return read_import(path)


@app.command()
def add(
    path: Path = typer.Argument(..., help="YAML or JSONL file with one or more entries"),
) -> None:
    """Add or update entries (validated) and save a new index version."""
    with _errors():
        entries = _load_entries(path)
        service = _service()
        with _progress("embedding") as advance:
            n = service.upsert_many(entries, progress=advance)
    typer.echo(f"saved {n} entr{'y' if n == 1 else 'ies'}; index version {service.version}")


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="CSV, YAML or JSONL file, or a folder of YAML files"),
    keep_dates: bool = typer.Option(True, help="keep updated_at from the file when given"),
) -> None:
    """Import entries from CSV (id, product, tags, questions_vi, questions_en, answer_vi,
    answer_en; several phrasings or tags separated by |), YAML or JSONL."""
    with _errors():
        entries = _load_entries(path)
        service = _service()
        with _progress(f"importing {len(entries)} entries") as advance:
            n = service.upsert_many(entries, touch=not keep_dates, progress=advance)
    typer.echo(f"imported {n} entries; index version {service.version}")


@app.command()
def delete(entry_id: str = typer.Argument(..., help="id of the entry to delete")) -> None:
    """Delete an entry from the corpus and the index."""
    with _errors():
        service = _service()
        service.delete(entry_id)
    typer.echo(f"deleted {entry_id}; index version {service.version}")


@app.command()
def versions() -> None:
    """List saved index versions (the current one is marked)."""
    from rich.console import Console
    from rich.table import Table

    from bot.config.settings import get_settings
    from knowledge.store import VersionStore

    settings = get_settings()
    table = Table("", "version", "created", "entries", "model", "search", "note")
    for v in VersionStore(settings.index_dir, settings.index_keep_versions).versions():
        table.add_row(
            "*" if v["current"] else "",
            str(v["version"]),
            v.get("created_at", "")[:19],
            str(v.get("entries", "")),
            (v.get("embedder") or {}).get("model", ""),
            (v.get("vectors") or {}).get("kind", ""),
            v.get("note", ""),
        )
    Console().print(table)


@app.command()
def rollback(version: int = typer.Argument(..., help="version number (see `versions`)")) -> None:
    """Make an earlier version current again; the corpus files are restored to match."""
    with _errors():
        service = _service()
        service.rollback(version)
    typer.echo(f"rolled back to index version {version}; corpus files restored")


@app.command()
def export(
    out: Path = typer.Argument(
        ..., help="a folder of YAML topic files (kept layout), or a .yaml, .csv or .jsonl file"
    ),
) -> None:
    """Write the published corpus (files or database) out, e.g. for review in git."""
    from bot.config.settings import get_settings
    from knowledge.sources import FileSource, make_source
    from knowledge.transfer import export_entries

    formats = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".jsonl": "jsonl"}
    with _errors():
        entries = list(make_source(get_settings()).load().values())
        if out.suffix.lower() in formats:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(export_entries(entries, formats[out.suffix.lower()]), encoding="utf-8")  # type: ignore[arg-type]
        else:
            out.mkdir(parents=True, exist_ok=True)
            target = FileSource(out)
            target.load()  # keep the folder's topic files: the diff in git shows only changes
            target.replace_all(entries)
    typer.echo(f"exported {len(entries)} entries to {out}")
