"""Per-thread CPU priority (Linux niceness), for work whose urgency differs from the rest.

A customer's knowledge search is interactive and short (about 20 ms of CPU); password
hashing is heavy and can wait. On a machine whose cores are busy with other work, equal
priority lets a short search wait behind batch jobs for a scheduler period or more (p95
250 ms against 33 ms at niceness -5: docs/benchmarks.md, "Search and suggestions with both
cores busy"). Raising a thread's priority (a negative niceness) needs root or
CAP_SYS_NICE; without it the thread keeps normal priority and the hub runs as before.
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
