"""Per-thread CPU priority (Linux niceness), for work whose urgency differs from the rest.

Batch work that can wait is lowered, which needs no privilege: password hashing runs
at niceness 10, behind everything. Raising the hub is opt-in: `hub_niceness` (set by
`tandem hub` on the event loop's thread, so every thread it starts inherits it) and
`search_niceness` (the knowledge searches an agent's suggestions wait for) default to 0,
and a negative value is asked for, applied or refused, and reported as such on `/healthz`
and in the benchmarks' JSON (`report()`), never silently.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)
_warned = False
# What each part of this process asked for and got: {"hub": {"asked": -5, "applied": True}}.
_report: dict[str, dict[str, int | bool]] = {}
_lock = threading.Lock()


def set_niceness(value: int, role: str | None = None) -> bool:
    """Give the calling thread this niceness; True if the system allowed it. With a
    ``role``, what was asked and whether it was applied is kept for `report()`. A
    niceness of 0 is the default: nothing is asked."""
    global _warned
    applied = value == 0
    if value != 0:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)
            applied = True
        except (AttributeError, OSError) as exc:  # not Linux, or not allowed
            if not _warned:
                _warned = True
                log.warning("thread niceness %s not applied (%s); normal priority", value, exc)
    if role:
        with _lock:
            _report[role] = {"asked": value, "applied": applied and value != 0}
    return applied


def report() -> dict[str, dict[str, int | bool]]:
    """Niceness asked for and applied, per role, as `/healthz` and benchmarks show it."""
    with _lock:
        return {role: dict(entry) for role, entry in _report.items()}
