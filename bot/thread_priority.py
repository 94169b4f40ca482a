"""Per-thread CPU priority (Linux niceness), for work whose urgency differs from the rest.

Three levels on a machine shared with batch work (indexing, training, reports at the
default niceness 0): the hub's threads a little ahead of it (setting `hub_niceness`, -5,
set by `tandem hub` on the event loop's thread, so every thread it starts inherits it); its
knowledge searches, which an agent's suggestions wait for, ahead of the hub's own
bookkeeping (`search_niceness`, -10, about 20 ms of CPU each); password hashing, heavy and
able to wait, behind everything (10). With both cores busy, search p95 was 250 ms at equal
priority against 33 ms raised, and suggestion p95 148-156 ms with only the searches
raised against 88-137 ms with both levels (docs/benchmarks.md). Raising a priority (a negative
niceness) needs root or CAP_SYS_NICE; without it the thread keeps normal priority and the
hub runs as before.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)
_warned = False


def set_niceness(value: int) -> bool:
    """Give the calling thread this niceness; True if the system allowed it."""
    global _warned
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed
        if not _warned:
            _warned = True
            log.info("thread niceness %s not applied (%s); normal priority", value, exc)
        return False
    return True
