"""Where the published corpus lives: YAML files (the demo, reviewable in git) or a database
table (production). Both give the service the same five operations.

``signature()`` is a cheap change detector the watcher polls, so edits made by another
process (a file edit, the CLI, a second hub) are picked up without a restart.

Usage::

    source = make_source(settings)        # TANDEM_KNOWLEDGE_STORE=files | database
    entries = source.load()               # {id: entry}
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Hashable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from knowledge.corpus import (
    corpus_signature,
    file_for_new_entry,
    load_corpus,
    load_file,
    validate_entry,
    write_file,
)


class CorpusSource(Protocol):
    def signature(self) -> Hashable: ...
    def load(self) -> dict[str, dict[str, Any]]: ...
    def put(self, entries: list[dict[str, Any]]) -> None: ...
    def remove(self, entry_ids: list[str]) -> None: ...
    def replace_all(self, entries: list[dict[str, Any]]) -> None: ...


class FileSource:
    """YAML topic files under one folder; new entries go to the file named by their id."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self._files: dict[str, Path] = {}

    def signature(self) -> Hashable:
        return corpus_signature(self.corpus_dir)

    def load(self) -> dict[str, dict[str, Any]]:
        entries, self._files = load_corpus(self.corpus_dir)
        return entries

    def _path(self, entry_id: str) -> Path:
        return self._files.get(entry_id) or file_for_new_entry(self.corpus_dir, entry_id)

    def put(self, entries: list[dict[str, Any]]) -> None:
        by_file: dict[Path, list[dict[str, Any]]] = {}
        for entry in entries:
            by_file.setdefault(self._path(entry["id"]), []).append(entry)
        for path, items in by_file.items():
            current = load_file(path) if path.exists() else []
            ids = {e["id"]: i for i, e in enumerate(current)}
            for entry in items:
                if entry["id"] in ids:
                    current[ids[entry["id"]]] = entry
                else:
                    current.append(entry)
                self._files[entry["id"]] = path
            write_file(path, current)

    def remove(self, entry_ids: list[str]) -> None:
        for path in {self._files[eid] for eid in entry_ids if eid in self._files}:
            write_file(path, [e for e in load_file(path) if e["id"] not in entry_ids])
        for eid in entry_ids:
            self._files.pop(eid, None)

    def replace_all(self, entries: list[dict[str, Any]]) -> None:
        by_file: dict[Path, list[dict[str, Any]]] = {p: [] for p in self.corpus_dir.glob("*.yaml")}
        for entry in entries:
            by_file.setdefault(self._path(entry["id"]), []).append(entry)
        for path, items in by_file.items():
            items.sort(key=lambda e: e["id"])
            if items:
                write_file(path, items)
            else:
                path.unlink(missing_ok=True)
        self.load()


class DatabaseSource:
    """The ``knowledge_entries`` table (created by the hub's migrations), one row per entry.

    Runs synchronously: the service calls it from worker threads, never the event loop.
    """

    def __init__(self, url: str) -> None:
        from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, create_engine

        from knowledge.dburl import sync_database_url

        self.engine = create_engine(sync_database_url(url), pool_pre_ping=True)
        self.table = Table(
            "knowledge_entries",
            MetaData(),
            Column("id", String(80), primary_key=True),
            Column("content", JSON, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )

    def signature(self) -> Hashable:
        from sqlalchemy import func, select

        t = self.table
        with self.engine.connect() as conn:
            count, latest = conn.execute(select(func.count(), func.max(t.c.updated_at))).one()
        return (count, str(latest))

    def load(self) -> dict[str, dict[str, Any]]:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            rows = conn.execute(select(self.table.c.id, self.table.c.content)).all()
        return {
            eid: validate_entry(content, f"knowledge_entries row {eid!r}") for eid, content in rows
        }

    def put(self, entries: list[dict[str, Any]]) -> None:
        t = self.table
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            ids = [e["id"] for e in entries]
            conn.execute(t.delete().where(t.c.id.in_(ids)))
            conn.execute(
                t.insert(), [{"id": e["id"], "content": e, "updated_at": now} for e in entries]
            )

    def remove(self, entry_ids: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.id.in_(entry_ids)))

    def replace_all(self, entries: list[dict[str, Any]]) -> None:
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            conn.execute(self.table.delete())
            if entries:
                conn.execute(
                    self.table.insert(),
                    [{"id": e["id"], "content": e, "updated_at": now} for e in entries],
                )


def corpus_folder(settings: Any) -> Path:
    """The folder of the YAML corpus (``corpus_dir``), first filled from ``corpus_seed_dir``.

    The default folder is in the run-time directory, so publishing in the panel or the CLI
    never rewrites the tracked demo corpus; it starts as a copy of it. The copy is made
    aside and renamed into place, so processes starting together (hub replicas, the CLI)
    never see a half-copied corpus, and the first one to finish wins.
    """
    folder = Path(settings.corpus_dir)
    seed = getattr(settings, "corpus_seed_dir", None)
    if folder.exists() or seed is None or not Path(seed).is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        tmp.chmod(0o755)  # a folder like any other, not mkdtemp's private one
        for path in sorted(Path(seed).glob("*.yaml")):
            shutil.copy2(path, tmp / path.name)
        os.rename(tmp, folder)
    except OSError:
        if not folder.exists():  # not another process's copy winning the race
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def make_source(settings: Any) -> CorpusSource:
    if getattr(settings, "knowledge_store", "files") == "database":
        return DatabaseSource(settings.database_url)
    return FileSource(corpus_folder(settings))
