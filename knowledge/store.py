"""Numbered, atomically written index versions on disk, with rollback.

Layout under ``index_dir``::

    CURRENT                  the number of the live version (replaced atomically)
    v000007/                 one complete version
        index.faiss  rows.jsonl  entries.json  meta.json
    .lock                    serialises writers (several processes may save)

A version is written into a temporary folder, flushed, and renamed into place; only then
is ``CURRENT`` switched with ``os.replace``. A crash at any point leaves ``CURRENT``
pointing at the last complete version, so readers never see a half-written index.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from knowledge.embedder import EmbedderIdentity


class IndexMismatchError(RuntimeError):
    """The saved index was built with another embedding model or prefixes."""


class IndexMissingError(FileNotFoundError):
    pass


@dataclass
class Saved:
    version: int
    meta: dict[str, Any]
    entries: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    index_bytes: bytes


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class VersionStore:
    def __init__(self, root: Path, keep: int = 20) -> None:
        self.root = root
        self.keep = keep

    def _dir(self, version: int) -> Path:
        return self.root / f"v{version:06d}"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def current(self) -> int | None:
        try:
            return int((self.root / "CURRENT").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def numbers(self) -> list[int]:
        if not self.root.exists():
            return []
        out = []
        for p in self.root.glob("v[0-9]*"):
            if (p / "meta.json").exists() and p.name[1:].isdigit():
                out.append(int(p.name[1:]))
        return sorted(out)

    def versions(self) -> list[dict[str, Any]]:
        cur = self.current()
        out = []
        for n in self.numbers():
            meta = json.loads((self._dir(n) / "meta.json").read_text())
            out.append({"version": n, "current": n == cur, **meta})
        return out

    def save(
        self,
        meta: dict[str, Any],
        entries: list[dict[str, Any]],
        rows: list[dict[str, Any]],
        index_bytes: bytes,
    ) -> int:
        """Write a new version and make it current; returns its number."""
        with self._locked():
            version = max(self.numbers(), default=0) + 1
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-"))
            try:
                _fsync_write(tmp / "index.faiss", index_bytes)
                _fsync_write(tmp / "entries.json", json.dumps(entries, ensure_ascii=False).encode())
                _fsync_write(
                    tmp / "rows.jsonl",
                    "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(),
                )
                meta = {**meta, "created_at": datetime.now(timezone.utc).isoformat()}
                # meta.json last: a folder without it is never treated as a version.
                _fsync_write(tmp / "meta.json", json.dumps(meta, ensure_ascii=False).encode())
                os.rename(tmp, self._dir(version))
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._set_current(version)
            self._prune()
            return version

    def _set_current(self, version: int) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".CURRENT.")
        with os.fdopen(fd, "w") as f:
            f.write(f"{version}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / "CURRENT")

    def rollback(self, version: int) -> None:
        with self._locked():
            if version not in self.numbers():
                raise IndexMissingError(f"no index version {version} in {self.root}")
            self._set_current(version)

    def _prune(self) -> None:
        """Keep the newest ``keep`` versions and the current one."""
        numbers = self.numbers()
        kept = set(numbers[-self.keep :]) | {self.current()}
        for n in numbers:
            if n not in kept:
                shutil.rmtree(self._dir(n), ignore_errors=True)
        for p in self.root.glob(".tmp-*"):
            # Leftovers of an interrupted save by a process that no longer runs.
            if datetime.now().timestamp() - p.stat().st_mtime > 3600:
                shutil.rmtree(p, ignore_errors=True)

    def load(self, version: int | None = None, identity: EmbedderIdentity | None = None) -> Saved:
        version = self.current() if version is None else version
        if version is None:
            raise IndexMissingError(f"no index in {self.root}; run `tandem knowledge build`")
        folder = self._dir(version)
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            raise IndexMissingError(
                f"index version {version} is missing or incomplete in {self.root}"
            )
        meta = json.loads(meta_path.read_text())
        if identity is not None:
            check_identity(meta.get("embedder") or {}, identity, self.root)
        rows = [json.loads(line) for line in (folder / "rows.jsonl").read_text().splitlines()]
        entries = json.loads((folder / "entries.json").read_text())
        return Saved(version, meta, entries, rows, (folder / "index.faiss").read_bytes())


def check_identity(saved: dict[str, Any], identity: EmbedderIdentity, where: Path) -> None:
    if saved != identity.to_dict():
        built = EmbedderIdentity(**saved).describe() if saved else "an unknown model"
        raise IndexMismatchError(
            f"the index in {where} was built with {built}, but the configured embedder is "
            f"{identity.describe()}. Vectors from different models cannot be mixed: rebuild "
            "it with `tandem knowledge build --force` (or point TANDEM_INDEX_DIR elsewhere)."
        )
