"""A lockout that has just begun, as both throttles report it: staff sign-in
(`bot.access.signin`) and customers' identity checks (`bot.access.identity_throttle`).
Supervisors are alerted from it; each throttle names its own scopes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Lockout:
    """A throttle row that has just reached its lockout: what supervisors are told."""

    scope: str
    key: str
    failures: int
    until: datetime
