"""The embedding cache: vectors by key in one SQLite file, shared by the processes that
embed the same texts (the hub, its workers, the offline index build)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np


class EmbeddingCache:
    """Vectors by key in one SQLite file; safe for several processes."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "embeddings.sqlite"
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
            self._local.db = db
        return db

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        db = self._db()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", chunk):
                out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, keys: list[str], vecs: np.ndarray) -> None:
        db = self._db()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                [
                    (k, np.asarray(v, dtype=np.float32).tobytes())
                    for k, v in zip(keys, vecs, strict=False)
                ],
            )
