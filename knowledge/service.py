"""The live knowledge base: the published corpus, the in-memory hybrid index and its saved
versions.

The corpus source (YAML files, or the database table in production: knowledge/sources.py)
is the source of truth. Every change (API, CLI, or a file edit followed by
a reload) is applied as a difference: only added, changed or deleted entries are embedded
and swapped in, then a new index version is saved. A watcher thread notices file edits and
versions saved by other processes (the CLI) and applies them in well under a second.

Searches hold the index lock only for the FAISS and BM25 lookups; embedding of changed
entries and writing versions to disk happen outside it, so an update never stalls search.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Hashable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from knowledge.corpus import CorpusError, fingerprint, validate_entry
from knowledge.retriever import Hit, Retriever, Row
from knowledge.sources import CorpusSource, FileSource, corpus_folder, make_source
from knowledge.store import IndexMismatchError, IndexMissingError, Saved, VersionStore
from knowledge.text import Lang
from knowledge.vectors import VectorIndex

__all__ = ["Hit", "KnowledgeService"]

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
# One changed entry: its content before and after (None when it did not exist / was deleted).
Change = dict[str, Any]
# Called after every saved change with the changes and who/why (``meta``: actor, kind, ...).
Listener = Callable[[list[Change], dict[str, Any]], None]


class KnowledgeService:
    def __init__(
        self,
        settings: Any,
        retriever: Retriever,
        store: VersionStore,
        source: CorpusSource | None = None,
    ) -> None:
        self.settings = settings
        self.corpus_dir: Path = Path(settings.corpus_dir)
        self.source: CorpusSource = source or FileSource(corpus_folder(settings))
        self.retriever = retriever
        self.store = store
        self.version: int | None = None  # the saved version our memory matches
        self._signature: Hashable = ()
        self._write_lock = threading.RLock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.listeners: list[Listener] = []
        # Several processes serving one corpus (hub replicas): the one that made a change
        # saved it as a version; the others load that version instead of re-applying the
        # corpus difference (no embedding, and the change is recorded once, by its maker).
        self.follow_versions = False

    @classmethod
    def from_settings(
        cls, settings: Any = None, rebuild: bool = False, progress: Progress | None = None
    ) -> KnowledgeService:
        """Load the current index version, then bring it up to date with the corpus files.

        Builds from the corpus when no version exists. A version built with another model
        raises ``IndexMismatchError`` unless ``rebuild`` is set.
        """
        from bot.config.settings import get_settings

        settings = settings or get_settings()
        service = cls(
            settings,
            Retriever.from_settings(settings),
            VersionStore(Path(settings.index_dir), settings.index_keep_versions),
            make_source(settings),
        )
        if not rebuild:
            try:
                service._restore(service.store.load(identity=service.identity))
            except IndexMissingError:
                pass
        service.reload(progress=progress, force_save=rebuild or service.version is None)
        return service

    @property
    def identity(self) -> Any:
        return self.retriever.embedder.identity

    # ---- reading --------------------------------------------------------------------
    def search(self, query: str, lang: Lang | None = None, k: int = 3) -> list[Hit]:
        return self.retriever.search(query, lang=lang, k=k)

    def warm_up(self) -> None:
        """Load what the first searches would otherwise load on a customer's time: the
        embedding model and spaCy's English tokenizer (its import holds the interpreter
        for seconds, stalling everything else in the process)."""
        self.search("What is the annual fee?", "en", 1)
        self.search("Phí thường niên là bao nhiêu?", "vi", 1)

    def get(self, entry_id: str) -> dict[str, Any] | None:
        entry = self.retriever.entries.get(entry_id)
        return json.loads(json.dumps(entry)) if entry is not None else None

    def entries(self) -> list[dict[str, Any]]:
        with self.retriever.lock:
            items = list(self.retriever.entries.values())
        return [json.loads(json.dumps(e)) for e in sorted(items, key=lambda e: e["id"])]

    # ---- changing -------------------------------------------------------------------
    def upsert(
        self, entry: dict[str, Any], touch: bool = True, meta: dict[str, Any] | None = None
    ) -> None:
        """Validate, write the entry to its corpus file, index it and save a new version."""
        self.upsert_many([entry], touch=touch, meta=meta)

    def upsert_many(
        self,
        entries: list[dict[str, Any]],
        touch: bool = True,
        progress: Progress | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        clean = []
        for i, raw in enumerate(entries, 1):
            data = dict(raw)
            if touch:
                data["updated_at"] = now
            clean.append(validate_entry(data, f"entry {i}"))
        with self._write_lock:
            before = {e["id"]: self.get(e["id"]) for e in clean}
            self.source.put(clean)
            self.retriever.apply(self.retriever.prepare(clean, progress=progress))
            self._signature = self.source.signature()
            self._save(f"upsert {', '.join(e['id'] for e in clean[:5])}")
            self._notify(
                [{"entry_id": e["id"], "before": before[e["id"]], "after": e} for e in clean],
                meta,
            )
        return len(clean)

    def delete(self, entry_id: str, meta: dict[str, Any] | None = None) -> None:
        with self._write_lock:
            if entry_id not in self.retriever.entries:
                raise KeyError(entry_id)
            before = self.get(entry_id)
            self.source.remove([entry_id])
            self.retriever.apply(None, [entry_id])
            self._signature = self.source.signature()
            self._save(f"delete {entry_id}")
            self._notify([{"entry_id": entry_id, "before": before, "after": None}], meta)

    def reload(
        self,
        progress: Progress | None = None,
        force_save: bool = False,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Apply the differences between the corpus files and memory; returns their number."""
        with self._write_lock:
            signature = self.source.signature()
            wanted = self.source.load()
            have = self.retriever.entries
            changed = [
                e
                for eid, e in wanted.items()
                if eid not in have or fingerprint(e) != fingerprint(have[eid])
            ]
            deleted = [eid for eid in have if eid not in wanted]
            changes = [
                {"entry_id": e["id"], "before": self.get(e["id"]), "after": e} for e in changed
            ] + [{"entry_id": eid, "before": self.get(eid), "after": None} for eid in deleted]
            if changed or deleted:
                self.retriever.apply(self.retriever.prepare(changed, progress=progress), deleted)
            self._signature = signature
            n = len(changed) + len(deleted)
            disk = self.store.current()
            if force_save or n or disk != self.version:
                if force_save or self._disk_fingerprint(disk) != self._fingerprint():
                    self._save("reload" if not force_save else "build")
                else:
                    self.version = disk
            if changes:
                self._notify(changes, {"kind": "reload", **(meta or {})})
            return n

    def rollback(self, version: int, meta: dict[str, Any] | None = None) -> None:
        """Make an earlier version current again, restoring the corpus files to match it."""
        with self._write_lock:
            saved = self.store.load(version, identity=self.identity)
            target = {e["id"]: e for e in saved.entries}
            have = {e["id"]: e for e in self.entries()}
            changes = [
                {"entry_id": eid, "before": have.get(eid), "after": target.get(eid)}
                for eid in sorted(set(have) | set(target))
                if fingerprint(have.get(eid) or {}) != fingerprint(target.get(eid) or {})
            ]
            self.source.replace_all(list(target.values()))
            self.store.rollback(version)
            self._restore(saved)
            self._signature = self.source.signature()
            self._notify(
                changes, {"kind": "corpus_rollback", "to_version": version, **(meta or {})}
            )

    def versions(self) -> list[dict[str, Any]]:
        return self.store.versions()

    def follow(self, version: int | None = None) -> bool:
        """Load a saved version another process published (default: the current one), if
        it is not the one in memory; True when it was loaded. No embedding, no listeners:
        the process that made the change told them."""
        with self._write_lock:
            target = version if version is not None else self.store.current()
            if target is None or target == self.version:
                return False
            if version is not None and target != self.store.current():
                return False  # superseded (or rolled back) since it was announced
            self._restore(self.store.load(target, identity=self.identity))
            self._signature = self.source.signature()
            log.info("knowledge: now serving version %s", target)
            return True

    def _notify(self, changes: list[Change], meta: dict[str, Any] | None) -> None:
        """Tell listeners (history, audit) what changed; a failing listener never undoes a
        change that is already live."""
        if not changes:
            return
        info = {"version": self.version, **(meta or {})}
        for listener in list(self.listeners):
            try:
                listener(changes, info)
            except Exception:
                log.exception("knowledge: change listener failed")

    # ---- watching -------------------------------------------------------------------
    def start_watching(self, interval_s: float = 0.5) -> None:
        if self._watcher and self._watcher.is_alive():
            return
        self._stop.clear()
        self._watcher = threading.Thread(
            target=self._watch, args=(interval_s,), name="knowledge-watch", daemon=True
        )
        self._watcher.start()

    def stop_watching(self) -> None:
        self._stop.set()
        if self._watcher:
            self._watcher.join(timeout=5)
        self._watcher = None

    def _watch(self, interval_s: float) -> None:
        failed_signature = None
        while not self._stop.wait(interval_s):
            try:
                if self.follow_versions:
                    # Only saved versions count: a corpus change seen before its maker
                    # saved it must not be applied (and recorded) here a second time.
                    if self.store.current() != self.version:
                        self.follow()
                    continue
                signature = self.source.signature()
                if signature == failed_signature:
                    continue  # a broken edit: wait until the file changes again
                if signature != self._signature or self.store.current() != self.version:
                    n = self.reload()
                    failed_signature = None
                    if n:
                        log.info("knowledge: applied %d change(s)", n)
            except CorpusError as err:
                failed_signature = signature
                log.warning("knowledge: corpus not reloaded, keeping the last good one: %s", err)
            except Exception:  # keep watching whatever happens; the error is logged
                log.exception("knowledge: reload failed")

    # ---- persistence ----------------------------------------------------------------
    def _fingerprint(self) -> str:
        with self.retriever.lock:
            prints = sorted(fingerprint(e) for e in self.retriever.entries.values())
        return hashlib.sha1("".join(prints).encode()).hexdigest()

    def _disk_fingerprint(self, version: int | None) -> str | None:
        if version is None:
            return None
        try:
            meta = json.loads((self.store.root / f"v{version:06d}" / "meta.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        found = meta.get("fingerprint") if isinstance(meta, dict) else None
        return found if isinstance(found, str) else None

    def _save(self, note: str) -> int:
        r = self.retriever
        with r.lock:  # a consistent snapshot; the disk writes happen after the lock
            entries = [json.loads(json.dumps(e)) for e in r.entries.values()]
            rows = [row.to_dict() for row in r.rows.values()]
            index_bytes = r.vectors.to_bytes()
            state = r.vectors.state()
        meta = {
            "embedder": self.identity.to_dict(),
            "question_prefix": r.question_prefix,
            "vectors": state,
            "entries": len(entries),
            "rows": len(rows),
            "fingerprint": self._fingerprint(),
            "note": note,
        }
        self.version = self.store.save(meta, entries, rows, index_bytes)
        return self.version

    def _restore(self, saved: Saved) -> None:
        s = self.settings
        if saved.meta.get("question_prefix") != self.retriever.question_prefix:
            raise IndexMismatchError(
                f"the index in {self.store.root} embedded questions with prefix "
                f"{saved.meta.get('question_prefix')!r}, the configuration says "
                f"{self.retriever.question_prefix!r}: rebuild it with "
                "`tandem knowledge build --force`."
            )
        vectors = VectorIndex.from_bytes(
            saved.index_bytes, saved.meta["vectors"], s.index_approx_above, s.index_target_recall
        )
        rows = [Row(**r) for r in saved.rows]
        self.retriever.load_rows(saved.entries, rows, vectors)
        self.version = saved.version
